import { describe, expect, it } from 'vitest';
import { computeCensus } from '../../../activities/census/index.js';
import { deployment, pod, snapshot, spec, workload, ZONE } from './fixtures/cluster.js';

const find = (c: ReturnType<typeof computeCensus>, kind: string, name: string) =>
  c.workloads.find((w) => w.kind === kind && w.name === name);

describe('workloads in the target', () => {
  it('finds a Deployment pinned to the target zone: it loses all replicas', () => {
    const pinned = deployment('ops', 'console', ['zone-a-0', 'zone-a-1'], { nodeSelector: { [ZONE]: 'zone-a' } });
    const spread = deployment('shop', 'web', ['zone-a-0', 'zone-b-0', 'zone-c-0']);
    const c = computeCensus(spec(), snapshot({ extra: [pinned, spread] }));
    expect(c.losesAll).toEqual([{ kind: 'Deployment', namespace: 'ops', name: 'console' }]);
    expect(find(c, 'Deployment', 'console')).toMatchObject({ desired: 2, ready: 2, readyInTarget: 2, readyOutside: 0, losesAll: true });
    expect(find(c, 'Deployment', 'web')).toMatchObject({ desired: 3, readyInTarget: 1, readyOutside: 2, losesAll: false });
  });

  it('rolls ReplicaSet pods up to their Deployment and lists only stand-alone ReplicaSets', () => {
    const dep = deployment('shop', 'web', ['zone-a-0', 'zone-b-0']);
    // A second (old) ReplicaSet of the same Deployment still has one pod during a rollout.
    dep.workloads.push(workload('ReplicaSet', 'shop', 'web-old', 1, { owner: { kind: 'Deployment', name: 'web' } }));
    dep.pods.push(pod('shop', 'web-old-0', 'zone-a-1', { owner: { kind: 'ReplicaSet', name: 'web-old' } }));
    const lone = workload('ReplicaSet', 'legacy', 'cache', 1);
    const lonePod = pod('legacy', 'cache-0', 'zone-a-2', { owner: { kind: 'ReplicaSet', name: 'cache' } });
    const c = computeCensus(spec(), snapshot({ extra: [dep], workloads: [lone], pods: [lonePod] }));
    expect(c.workloads.map((w) => `${w.kind}/${w.namespace}/${w.name}`)).toEqual(['ReplicaSet/legacy/cache', 'Deployment/shop/web']);
    expect(find(c, 'Deployment', 'web')).toMatchObject({ ready: 3, readyInTarget: 2, readyOutside: 1, podsInTarget: 2 });
    expect(find(c, 'ReplicaSet', 'cache')).toMatchObject({ readyInTarget: 1, losesAll: true });
  });

  it('counts only ready, live pods as replicas', () => {
    const dep = deployment('shop', 'api', ['zone-a-0', 'zone-b-0', 'zone-c-0']);
    dep.pods[1]!.ready = false;
    dep.pods[2]!.terminating = true;
    const c = computeCensus(spec(), snapshot({ extra: [dep] }));
    expect(find(c, 'Deployment', 'api')).toMatchObject({ ready: 1, readyInTarget: 1, readyOutside: 0, losesAll: true });
  });

  it('lists StatefulSets, and DaemonSets separately, never as losing all replicas', () => {
    const sts = workload('StatefulSet', 'db', 'pg', 1);
    const ds = workload('DaemonSet', 'kube-system', 'proxy', 12);
    const pods = [
      pod('db', 'pg-0', 'zone-a-3', { owner: { kind: 'StatefulSet', name: 'pg' } }),
      pod('kube-system', 'proxy-a', 'zone-a-0', { owner: { kind: 'DaemonSet', name: 'proxy' } }),
      pod('kube-system', 'proxy-b', 'zone-a-1', { owner: { kind: 'DaemonSet', name: 'proxy' } }),
    ];
    const c = computeCensus(spec(), snapshot({ workloads: [sts, ds], pods }));
    expect(c.losesAll).toEqual([{ kind: 'StatefulSet', namespace: 'db', name: 'pg' }]);
    expect(find(c, 'DaemonSet', 'proxy')).toMatchObject({ readyInTarget: 2, readyOutside: 0, losesAll: false });
    expect(c.daemonSets).toEqual([{ namespace: 'kube-system', name: 'proxy', desired: 12, podsInTarget: 2 }]);
  });

  it('marks workloads a kubernetes probe watches and warns about ones that do not exist', () => {
    const dep = deployment('shop', 'web', ['zone-b-0']);
    const s = {
      ...spec(),
      probes: [
        { name: 'web-ready', type: 'kubernetes' as const, workload: { kind: 'Deployment' as const, namespace: 'shop', name: 'web' }, minReady: 1, interval: 1000, tolerance: { stableFor: 0, allowedFailures: 0 } },
        { name: 'gone', type: 'kubernetes' as const, workload: { kind: 'Deployment' as const, namespace: 'shop', name: 'gone' }, minReady: 1, interval: 1000, tolerance: { stableFor: 0, allowedFailures: 0 } },
      ],
    };
    const c = computeCensus(s, snapshot({ extra: [dep] }));
    expect(find(c, 'Deployment', 'web')?.watched).toBe(true);
    expect(c.warnings).toContain('probe gone watches Deployment shop/gone, which does not exist');
  });

  it('lists pods in protected namespaces and mirror pods as not evicted, and pods without a controller', () => {
    const pods = [
      pod('kube-system', 'coredns-x', 'zone-a-0', { owner: { kind: 'ReplicaSet', name: 'coredns' } }),
      pod('kube-system', 'etcd-zone-a-1', 'zone-a-1', { mirror: true, owner: { kind: 'Node', name: 'zone-a-1' } }),
      pod('scratch', 'debug', 'zone-a-2'),
      pod('scratch', 'done', 'zone-a-2', { phase: 'Succeeded' }),
    ];
    const c = computeCensus(spec(), snapshot({ pods }));
    expect(c.notEvicted).toEqual([
      { namespace: 'kube-system', pod: 'coredns-x', node: 'zone-a-0', reason: 'protected namespace kube-system' },
      { namespace: 'kube-system', pod: 'etcd-zone-a-1', node: 'zone-a-1', reason: 'mirror pod of a static pod: the API cannot evict it' },
    ]);
    expect(c.unmanagedPods.map((p) => p.pod)).toEqual(['debug']);
    expect(c.capacity.mustMove.pods).toBe(0);
  });
});
