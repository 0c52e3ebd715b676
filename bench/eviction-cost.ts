import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { clientEvict, quietEvict, type Evict } from '../activities/faults/drain.js';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import { procMemory } from './worker-process.js';

// What sending evictions costs the sender: N evictions of pods that do not exist (each a real
// POST that the API server answers with a 404 Status, so nothing in the cluster changes) at a
// given concurrency, through the generated client (fetch, the answer parsed into its objects) or
// the drain's quiet path (undici's request(), a success's answer discarded). VmHWM growth over
// the RSS after a warm-up round, and the rate. Each mode in a fresh process, with the
// deployment's options, so the high-water marks do not mix:
//   MALLOC_ARENA_MAX=2 node scripts/node.mjs node --max-semi-space-size=1 --max-old-space-size=192 \
//     --import tsx bench/eviction-cost.ts <kubeconfig> client|quiet [concurrency] [count]

const [kubeconfig, mode, c = '100', n = '3000'] = process.argv.slice(2);
if (!kubeconfig || (mode !== 'client' && mode !== 'quiet')) {
  process.stderr.write('usage: bench/eviction-cost.ts <kubeconfig> client|quiet [concurrency] [count]\n');
  process.exit(2);
}
const concurrency = Number(c);
const count = Number(n);
const kc = new PooledKubeConfig();
kc.loadFromFile(kubeconfig);
const evict: Evict = mode === 'client' ? clientEvict(kc.makeApiClient(k8s.CoreV1Api)) : quietEvict(kc);
const namespace = 'default';

async function round(requests: number): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  const limit = pLimit(concurrency);
  await Promise.all(Array.from({ length: requests }, (_, i) => limit(async () => {
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: `eviction-cost-absent-${i}`, namespace } };
    let key = '2xx';
    try {
      await evict(body);
    } catch (err) {
      key = String((err as { code?: unknown }).code ?? (err as Error).message);
    }
    answers[key] = (answers[key] ?? 0) + 1;
  })));
  return answers;
}

await round(50);
await new Promise((r) => setTimeout(r, 1000));
const ready = await procMemory(process.pid);
const started = performance.now();
const answers = await round(count);
const ms = performance.now() - started;
const end = await procMemory(process.pid);
process.stdout.write(`${JSON.stringify({
  mode, concurrency, count, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000), answers,
  readyRssMb: ready.rssMb, hwmOverReadyMb: Math.round((end.hwmMb - ready.rssMb) * 10) / 10,
})}\n`);
await kc.close();
process.exit(0);
