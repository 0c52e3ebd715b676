import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../devstack/stack.js';
import { listAllNodes } from '../activities/faults/nodes.js';
import { zoneNodes } from './kube.js';
import { sleep } from '../activities/kube/retry.js';
import { benchMarkAnnotations } from './power.js';
import { median } from './power-summary.js';

// Which part of a power-loss drill's patch costs on the API server: five raw changes to every
// node of zone-a at once (a NoSchedule taint, a NoExecute taint, cordon + NoExecute, the marks'
// label and annotations alone, and all of it), each undone again, five rounds interleaved; the
// time from the first call to the last answer, median per change. On a running dev stack:
//   firedrill dev up --nodes-per-zone 100
//   node scripts/node.mjs node --import tsx bench/power-change-cost.ts
// The annotations are the ones the power bench's raw patch writes (benchMarkAnnotations): the
// marks' own, of their real sizes, under a prefix no janitor reads.
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const KEY = 'firedrill.dev/exp-cut';
const kc = loadKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const zone = await zoneNodes(kc, 'zone-a');
type V = 'noschedule' | 'noexecute' | 'cordon+noexecute' | 'marks-only' | 'full';
async function trial(v: V) {
  const nodes = new Map((await listAllNodes(core, { retries: 0 })).map((n) => [n.metadata?.name ?? '', n]));
  const body = (n: string, add: boolean) => {
    const node = nodes.get(n)!;
    const taints = (node.spec?.taints ?? []).filter((t) => t.key !== KEY);
    const exAnn = Object.fromEntries(Object.entries(benchMarkAnnotations(node)).map(([k, x]) => [k, add ? x : null]));
    const taint = (effect: string) => ({ taints: add ? [...taints, { key: KEY, effect }] : (taints.length ? taints : null) });
    switch (v) {
      case 'noschedule': return { spec: taint('NoSchedule') };
      case 'noexecute': return { spec: taint('NoExecute') };
      case 'cordon+noexecute': return { spec: { unschedulable: add ? true : null, ...taint('NoExecute') } };
      case 'marks-only': return { metadata: { labels: { 'exp.firedrill.dev/run': add ? 'r' : null }, annotations: exAnn } };
      case 'full': return { metadata: { labels: { 'exp.firedrill.dev/run': add ? 'r' : null }, annotations: exAnn }, spec: { unschedulable: add ? true : null, ...taint('NoExecute') } };
    }
  };
  const t = performance.now();
  const acks: number[] = [];
  await Promise.all(zone.map(async (n) => { await core.patchNode({ name: n, body: body(n, true), fieldManager: 'exp' }, MERGE); acks.push(performance.now() - t); }));
  const r = { v, firstMs: Math.round(Math.min(...acks)), lastMs: Math.round(Math.max(...acks)), bytes: JSON.stringify(body(zone[0]!, true)).length };
  await sleep(300);
  await Promise.all(zone.map((n) => core.patchNode({ name: n, body: body(n, false), fieldManager: 'exp' }, MERGE)));
  await sleep(1500);
  return r;
}
const out: Record<string, number[]> = {};
for (let i = 0; i < 5; i++) {
  for (const v of ['noschedule', 'noexecute', 'cordon+noexecute', 'marks-only', 'full'] as V[]) {
    const r = await trial(v);
    (out[v] ??= []).push(r.lastMs);
    console.log(JSON.stringify(r));
  }
}
for (const [v, xs] of Object.entries(out)) console.log(v.padEnd(18), xs.sort((a, b) => a - b).join(' '), 'median', median(xs));
process.exit(0);
