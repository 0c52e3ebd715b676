import { createHash } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { computeCensus } from '../activities/census/index.js';
import type { PdbInfo, Toleration } from '../activities/census/model.js';
import { capacityOf, type PodSlim } from '../activities/probes/capacity.js';
import { deployment, MI, node, pdb, pod, snapshot, spec, workload } from '../test/unit/census/fixtures/cluster.js';

// What the worker computes in memory, at the full bench's shape (3 zones of 100 kwok nodes,
// 30 Deployments × 100 pods in zone-a, a PDB on every third, a DaemonSet): one census (the
// plan a drill's preflight makes) and one capacity tick (30 watched workloads counted over the
// namespace's pods once they have moved, once per probe interval). Time and bytes allocated, garbage included
// (V8's sampling heap profiler), per call; and the census's sha256, to compare two commits' answers.
//   node scripts/node.mjs node --import tsx bench/census-cost.ts [cpuMilliPerPod=10]

const cpu = Number(process.argv[2] ?? 10);
const taint = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' };
const tolerations: Toleration[] = [{ key: taint.key, operator: 'Exists', effect: 'NoSchedule' }];
const nodes = ['zone-a', 'zone-b', 'zone-c'].flatMap((z) => Array.from({ length: 100 }, (_, i) => node(`${z}-${i}`, z, { taints: [taint] })));
const apps = Array.from({ length: 30 }, (_, d) => `svc-${d}`);
const extra = apps.map((name) => deployment('bench', name, Array.from({ length: 100 }, (_, i) => `zone-a-${i}`), { tolerations, requests: { cpuMilli: cpu, memoryBytes: 16 * MI } }));
const pdbs: PdbInfo[] = apps.filter((_, d) => d % 3 === 0).map((name) => pdb('bench', name, name, { maxUnavailable: 10, disruptionsAllowed: 10, currentHealthy: 100, desiredHealthy: 90, expectedPods: 100 }));
const agents = nodes.map((n) => pod('bench', `agent-${n.name}`, n.name, { owner: { kind: 'DaemonSet', name: 'agent' }, tolerations }));
const snap = snapshot({ nodes, workloads: [workload('DaemonSet', 'bench', 'agent', nodes.length)], pods: agents, extra, pdbs });
const target = new Set(nodes.filter((n) => n.name.startsWith('zone-a')).map((n) => n.name));
// The tick counts the pods once they have moved out of the zone, as at the end of a drain.
const moved = (n = '', i: number) => (n.startsWith('zone-a-') ? n.replace('zone-a', i % 2 ? 'zone-b' : 'zone-c') : n);
const slim: PodSlim[] = snap.pods.map((p, i) => ({ namespace: p.namespace, name: p.name, node: moved(p.nodeName, i), ready: p.ready, labels: p.labels }));

const session = new Session();
session.connect();
async function cost(name: string, runs: number, fn: () => void) {
  for (let i = 0; i < runs; i++) fn(); // warm: optimized code allocates less than the first calls
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const t = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const ms = (performance.now() - t) / runs;
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let bytes = 0;
  const walk = (n: { selfSize: number; children: Array<typeof n> }) => { bytes += n.selfSize; n.children.forEach(walk); };
  walk(profile.head);
  return { name, runs, msPerCall: Math.round(ms * 10) / 10, allocatedMbPerCall: Math.round((bytes / runs / 1048576) * 100) / 100 };
}

const census = computeCensus(spec(), snap);
const results = [
  await cost('census', 5, () => computeCensus(spec(), snap)),
  await cost('capacity tick (30 workloads)', 50, () => {
    for (const app of apps) capacityOf({ kind: 'Deployment', namespace: 'bench', name: app }, { desired: 100, selector: { matchLabels: { app } } }, slim, target);
  }),
];
const sha256 = createHash('sha256').update(JSON.stringify(census)).digest('hex').slice(0, 16);
process.stdout.write(`${JSON.stringify({ pods: snap.pods.length, movers: census.capacity.mustMove.pods, pending: census.capacity.pending.length, sha256, results })}\n`);
session.disconnect();
