import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import { kubeWatchSource } from '../activities/probes/capacity-watch.js';

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
const hwm = () => Math.round(Number(fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)?.[1]) / 1024);

gc();
const before = { hwmMb: hwm(), heapMb: mb(process.memoryUsage().heapUsed) };
const started = Date.now();
const items = mode === 'unpaged'
  ? (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace })).items
  : (await kubeWatchSource(kc, { context: undefined, resource: 'pods', namespace }).list()).items;
const afterHwmMb = hwm();
gc();
process.stdout.write(`${JSON.stringify({
  mode, pods: items.length, ms: Date.now() - started, hwmBeforeMb: before.hwmMb, hwmAfterMb: afterHwmMb,
  heapBeforeMb: before.heapMb, heapHeldMb: mb(process.memoryUsage().heapUsed),
})}\n`);
