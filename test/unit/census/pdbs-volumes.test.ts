import { describe, expect, it } from 'vitest';
import { computeCensus } from '../../../activities/census/index.js';
import { deployment, node, pdb, pod, snapshot, spec, workload, ZONE } from './fixtures/cluster.js';

describe('PodDisruptionBudgets', () => {
  const db = deployment('shop', 'db', ['zone-a-0', 'zone-b-0', 'zone-c-0']);
  const web = deployment('shop', 'web', ['zone-a-0', 'zone-a-1', 'zone-b-0']);
  const api = deployment('shop', 'api', ['zone-a-2', 'zone-b-1', 'zone-c-1']);
  const far = deployment('shop', 'far', ['zone-b-2', 'zone-c-2']);
  const sys = deployment('kube-system', 'dns', ['zone-a-3']);
  const pdbs = [
    pdb('shop', 'db', 'db', { minAvailable: 3, disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 }),
    pdb('shop', 'web', 'web', { maxUnavailable: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 }),
    pdb('shop', 'api', 'api', { maxUnavailable: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 }),
    pdb('shop', 'far', 'far', { minAvailable: 2, disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 }),
    pdb('kube-system', 'dns', 'dns', { minAvailable: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 }),
  ];
  const c = computeCensus(spec(), snapshot({ extra: [db, web, api, far, sys], pdbs }));

  it('blocks when more of its pods are in the target than it allows to be disrupted', () => {
    expect(c.pdbs.map((p) => [p.name, p.podsInTarget, p.disruptionsAllowed, p.blocking])).toEqual([
      ['api', 1, 1, false],
      ['db', 1, 0, true],
      ['web', 2, 1, true],
    ]);
  });

  it('says why: stuck for good, or waiting for replacements elsewhere', () => {
    const reason = (name: string) => c.pdbs.find((p) => p.name === name)?.reason;
    expect(reason('db')).toBe('allows no disruption (minAvailable 3, 3/3 healthy): a drain cannot evict its 1 pod in the target');
    expect(reason('web')).toBe('2 pods in the target but 1 disruption allowed (maxUnavailable 1, 3/3 healthy): the drain waits for replacements elsewhere');
    expect(reason('api')).toBe('1 pod in the target, 1 disruption allowed (maxUnavailable 1, 3/3 healthy)');
  });

  it('ignores PDBs without pods in the target and those of protected namespaces', () => {
    expect(c.pdbs.map((p) => p.name)).not.toContain('far');
    expect(c.pdbs.map((p) => p.namespace)).not.toContain('kube-system');
  });
});

describe('zone-bound PersistentVolumes', () => {
  const zoneTerms = (zone: string) => [{ matchExpressions: [{ key: ZONE, operator: 'In', values: [zone] }] }];
  const sts = workload('StatefulSet', 'db', 'pg', 2);
  const pods = [
    pod('db', 'pg-0', 'zone-a-1', { owner: { kind: 'StatefulSet', name: 'pg' }, claims: ['data-pg-0'], requests: { cpuMilli: 500, memoryBytes: 2 ** 30 } }),
    pod('db', 'pg-1', 'zone-b-1', { owner: { kind: 'StatefulSet', name: 'pg' }, claims: ['data-pg-1'] }),
  ];
  const pvs = [
    { name: 'pv-a', claim: { namespace: 'db', name: 'data-pg-0' }, nodeAffinity: zoneTerms('zone-a') },
    { name: 'pv-b', claim: { namespace: 'db', name: 'data-pg-1' }, nodeAffinity: zoneTerms('zone-b') },
    { name: 'pv-anywhere', claim: { namespace: 'db', name: 'other' } },
    // Bound through the claim's volumeName only (claimRef not written yet).
    { name: 'pv-a-spare', nodeAffinity: zoneTerms('zone-a') },
  ];
  const pvcs = [{ namespace: 'db', name: 'spare', volumeName: 'pv-a-spare' }];
  const c = computeCensus(spec(), snapshot({ workloads: [sts], pods, pvs, pvcs }));

  it('reports volumes that can only attach in the target with the pods that mount them', () => {
    expect(c.zoneBoundVolumes).toEqual([
      { name: 'pv-a', zone: 'zone-a', claim: 'db/data-pg-0', pods: ['db/pg-0'] },
      { name: 'pv-a-spare', zone: 'zone-a', claim: 'db/spare', pods: [] },
    ]);
  });

  it('keeps the pod of a zone-bound volume Pending: it cannot move', () => {
    expect(c.capacity.pending).toEqual([
      { namespace: 'db', pod: 'pg-0', owner: 'StatefulSet/pg', cause: 'pinned', reason: 'its volume pv-a can only attach inside the target' },
    ]);
  });

  it('judges where a pod may go by its own volumes: a sibling whose volume attaches anywhere moves', () => {
    // Same controller, same nodeSelector and tolerations; only the volumes differ.
    const free = pod('db', 'pg-2', 'zone-a-0', { owner: { kind: 'StatefulSet', name: 'pg' }, claims: ['other'] });
    const r = computeCensus(spec(), snapshot({ workloads: [workload('StatefulSet', 'db', 'pg', 3)], pods: [...pods, free], pvs, pvcs }));
    expect(r.capacity.mustMove.pods).toBe(2);
    expect(r.capacity.pending.map((p) => p.pod)).toEqual(['pg-0']);
  });

  it('binds a local volume to its node by hostname, and frees it when another node outside can take it', () => {
    const local = [{ name: 'local-1', claim: { namespace: 'db', name: 'data-pg-0' }, nodeAffinity: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['zone-a-1'] }] }] }];
    const hostTarget = computeCensus(spec({ type: 'nodes', selector: 'kubernetes.io/hostname=zone-a-1' }), snapshot({ workloads: [sts], pods, pvs: local }));
    expect(hostTarget.zoneBoundVolumes).toEqual([{ name: 'local-1', zone: 'zone-a', claim: 'db/data-pg-0', pods: ['db/pg-0'] }]);
    // A target of half of zone-a leaves zone-a nodes outside: the zonal volume can still attach.
    const half = computeCensus(spec({ type: 'nodes', selector: 'kubernetes.io/hostname in (zone-a-0,zone-a-1)' }), snapshot({ workloads: [sts], pods, pvs }));
    expect(half.zoneBoundVolumes).toEqual([]);
  });

  it('counts a cordoned node outside the target as unable to take the volume', () => {
    const nodes = [node('zone-a-0', 'zone-a'), node('zone-a-1', 'zone-a'), node('zone-b-1', 'zone-b'), node('zone-a-9', 'zone-a', { unschedulable: true })];
    const r = computeCensus(spec({ type: 'nodes', selector: 'kubernetes.io/hostname in (zone-a-0,zone-a-1)' }), snapshot({ nodes, workloads: [sts], pods, pvs }));
    expect(r.zoneBoundVolumes.map((v) => v.name)).toEqual(['pv-a', 'pv-a-spare']);
  });
});
