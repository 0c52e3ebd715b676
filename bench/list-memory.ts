import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import { kubeWatchSource } from '../activities/probes/capacity-watch.js';
import { procMemory } from './worker-process.js';

// What one list of a namespace's pods costs a fresh process: VmHWM before and after, and the
// heap still held once collected. `unpaged`: one answer as client objects (the capacity watch
// before it paged); `paged`: the capacity watch's own list (pages of 500, thinned).
//   node scripts/node.mjs node --expose-gc --import tsx bench/list-memory.ts <kubeconfig> <namespace> unpaged|paged
// (a bench stack kept with --keep-stack: its kubeconfig is <cache>/bench-state-<port base>/kube/admin.kubeconfig)

const [kubeconfig, namespace, mode] = process.argv.slice(2);
if (!kubeconfig || !namespace || (mode !== 'unpaged' && mode !== 'paged')) {
  process.stderr.write('usage: bench/list-memory.ts <kubeconfig> <namespace> unpaged|paged (run with node --expose-gc)\n');
  process.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const kc = new PooledKubeConfig();
kc.loadFromFile(kubeconfig);
const mb = (bytes: number) => Math.round(bytes / 1048576);
const hwm = async () => (await procMemory(process.pid)).hwmMb;

gc();
const before = { hwmMb: await hwm(), heapMb: mb(process.memoryUsage().heapUsed) };
const started = Date.now();
const items = mode === 'unpaged'
  ? (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace })).items
  : (await kubeWatchSource(kc, { context: undefined, resource: 'pods', namespace }).list()).items;
const afterHwmMb = await hwm();
gc();
process.stdout.write(`${JSON.stringify({
  mode, pods: items.length, ms: Date.now() - started, hwmBeforeMb: before.hwmMb, hwmAfterMb: afterHwmMb,
  heapBeforeMb: before.heapMb, heapHeldMb: mb(process.memoryUsage().heapUsed),
})}\n`);
