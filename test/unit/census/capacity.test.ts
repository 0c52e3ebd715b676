import { describe, expect, it } from 'vitest';
import { computeCensus } from '../../../activities/census/index.js';
import { deployment, GI, MI, node, pod, snapshot, spec, workload, ZONE } from './fixtures/cluster.js';

// Two zone-a nodes to lose; one node each in zone-b and zone-c, partly used already.
//   zone-b-0: 4000m / 16Gi, filler requests 3000m / 8Gi  → free 1000m /  8Gi
//   zone-c-0: 4000m / 16Gi, filler requests 1000m / 2Gi  → free 3000m / 14Gi
// Pods to move: big 2500m/4Gi, web 3 × 1000m/1Gi, pinned 100m/128Mi (nodeSelector zone-a).
// First fit decreasing: big → zone-c-0 (500m left), web-0 → zone-b-0 (0 left), web-1 and web-2
// find no room, pinned can never go anywhere.
const nodes = [node('zone-a-0', 'zone-a'), node('zone-a-1', 'zone-a'), node('zone-b-0', 'zone-b'), node('zone-c-0', 'zone-c')];
const fillers = [
  pod('other', 'filler-b', 'zone-b-0', { owner: { kind: 'StatefulSet', name: 'filler' }, requests: { cpuMilli: 3000, memoryBytes: 8 * GI } }),
  pod('other', 'filler-c', 'zone-c-0', { owner: { kind: 'StatefulSet', name: 'filler' }, requests: { cpuMilli: 1000, memoryBytes: 2 * GI } }),
];
const big = deployment('shop', 'big', ['zone-a-1'], { requests: { cpuMilli: 2500, memoryBytes: 4 * GI } });
const web = deployment('shop', 'web', ['zone-a-0', 'zone-a-0', 'zone-a-1'], { requests: { cpuMilli: 1000, memoryBytes: GI } });
const pinned = deployment('ops', 'console', ['zone-a-0'], { nodeSelector: { [ZONE]: 'zone-a' } });
const ignored = [
  pod('kube-system', 'proxy-a', 'zone-a-0', { owner: { kind: 'DaemonSet', name: 'proxy' }, requests: { cpuMilli: 700, memoryBytes: GI } }),
  pod('kube-system', 'coredns-1', 'zone-a-1', { owner: { kind: 'ReplicaSet', name: 'coredns' }, requests: { cpuMilli: 500, memoryBytes: GI } }),
  pod('shop', 'job-done', 'zone-a-1', { owner: { kind: 'Job', name: 'nightly' }, phase: 'Succeeded' }),
];
const snap = snapshot({
  nodes,
  workloads: [workload('DaemonSet', 'kube-system', 'proxy', 4), workload('StatefulSet', 'other', 'filler', 2)],
  pods: [...fillers, ...ignored],
  extra: [big, web, pinned],
});

describe('capacity outside the target', () => {
  const c = computeCensus(spec(), snap).capacity;

  it('sums the requests of the pods that must move (no DaemonSet, protected or finished pods)', () => {
    expect(c.mustMove).toEqual({ cpuMilli: 5600, memoryBytes: 7 * GI + 128 * MI, pods: 5 });
  });

  it('sums allocatable, requested and free on the schedulable nodes outside', () => {
    expect(c.outside).toEqual({
      nodes: 2,
      allocatable: { cpuMilli: 8000, memoryBytes: 32 * GI, pods: 220 },
      requested: { cpuMilli: 4000, memoryBytes: 10 * GI, pods: 2 },
      free: { cpuMilli: 4000, memoryBytes: 22 * GI, pods: 218 },
    });
  });

  it('places the largest pods first and leaves the rest Pending, pinned pods always', () => {
    expect(c.pending).toEqual([
      { namespace: 'ops', pod: 'console-5d8f7c-0', owner: 'Deployment/console', cause: 'pinned', reason: `pinned to ${ZONE}=zone-a by its nodeSelector` },
      { namespace: 'shop', pod: 'web-5d8f7c-1', owner: 'Deployment/web', cause: 'capacity', reason: 'needs 1 CPU and 1Gi memory: no eligible node outside the target has that much free' },
      { namespace: 'shop', pod: 'web-5d8f7c-2', owner: 'Deployment/web', cause: 'capacity', reason: 'needs 1 CPU and 1Gi memory: no eligible node outside the target has that much free' },
    ]);
    expect(c.pinned).toBe(1);
    expect(c.fits).toBe(false);
  });

  it('leaves cordoned nodes out of the room left, and fits everything when there is room', () => {
    const roomy = snapshot({ nodes: [...nodes, node('zone-b-1', 'zone-b'), node('zone-c-1', 'zone-c', { unschedulable: true })], pods: fillers, extra: [big, web] });
    const r = computeCensus(spec(), roomy).capacity;
    expect(r.outside.nodes).toBe(3);
    expect(r.pending).toEqual([]);
    expect(r.fits).toBe(true);
  });

  it('keeps a pod Pending whose required node affinity names only the target zone', () => {
    const affinity = [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-a'] }] }];
    const dep = deployment('ops', 'tools', ['zone-a-0'], { requiredNodeAffinity: affinity });
    const r = computeCensus(spec(), snapshot({ nodes, extra: [dep] })).capacity;
    expect(r.pending.map((p) => [p.pod, p.cause, p.reason])).toEqual([
      ['tools-5d8f7c-0', 'pinned', 'its required node affinity matches no schedulable node outside the target'],
    ]);
  });

  it('respects taints on the nodes left', () => {
    const tainted = nodes.map((n) => (n.name.startsWith('zone-a') ? n : { ...n, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
    const r = computeCensus(spec(), snapshot({ nodes: tainted, extra: [deployment('shop', 'x', ['zone-a-0'])] })).capacity;
    expect(r.pending[0]?.reason).toBe('it tolerates the taints of no schedulable node outside the target');
  });
});
