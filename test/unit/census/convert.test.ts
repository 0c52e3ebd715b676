import { describe, expect, it } from 'vitest';
import { toDaemonSet, toDeployment, toPdb, toPod, toPv } from '../../../activities/census/convert.js';

describe('API objects to the census model', () => {
  it('reads a pod: controller owner, readiness, requests as the scheduler sums them, volumes', () => {
    const p = toPod({
      metadata: {
        name: 'web-1', namespace: 'shop', labels: { app: 'web' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '1' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: '2', controller: true },
        ],
      },
      spec: {
        nodeName: 'zone-a-0',
        nodeSelector: { 'topology.kubernetes.io/zone': 'zone-a' },
        initContainers: [
          { name: 'migrate', resources: { requests: { cpu: '2', memory: '64Mi' } } },
          { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '100m', memory: '32Mi' } } },
        ],
        containers: [
          { name: 'app', resources: { requests: { cpu: '250m', memory: '256Mi' } } },
          { name: 'log' },
        ],
        overhead: { cpu: '10m' },
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } }, { name: 'tmp', emptyDir: {} }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
          { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] }] },
        ] } } },
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(p).toMatchObject({
      namespace: 'shop', name: 'web-1', nodeName: 'zone-a-0', ready: true, terminating: false, mirror: false,
      owner: { kind: 'ReplicaSet', name: 'web-abc' },
      // cpu: max(250m + 100m sidecar, 2 init) + 10m overhead; memory: 256Mi + 32Mi beats 64Mi.
      requests: { cpuMilli: 2010, memoryBytes: 288 * 2 ** 20 },
      claims: ['data-web-1'],
    });
    expect(p.requiredNodeAffinity?.[0]?.matchExpressions?.[0]?.values).toEqual(['zone-a']);
  });

  it('recognises mirror pods and unscheduled pods', () => {
    const mirror = toPod({ metadata: { name: 'etcd-n1', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': 'abc' } }, spec: { nodeName: 'n1', containers: [] } });
    expect(mirror.mirror).toBe(true);
    const pending = toPod({ metadata: { name: 'p', namespace: 'x' }, spec: { containers: [] }, status: { phase: 'Pending' } });
    expect(pending.nodeName).toBeUndefined();
    expect(pending.ready).toBe(false);
  });

  it('reads desired replicas, PDB status and PV node affinity', () => {
    expect(toDeployment({ metadata: { name: 'd', namespace: 'n' }, spec: { selector: {}, template: {} } }).desired).toBe(1);
    expect(toDaemonSet({ metadata: { name: 'ds', namespace: 'n' }, status: { desiredNumberScheduled: 12, currentNumberScheduled: 12, numberMisscheduled: 0, numberReady: 12 } }).desired).toBe(12);
    expect(toPdb({ metadata: { name: 'p', namespace: 'n' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'x' } } },
      status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } })).toEqual({
      namespace: 'n', name: 'p', selector: { matchLabels: { app: 'x' }, matchExpressions: undefined }, minAvailable: 2, maxUnavailable: undefined,
      disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
    });
    const pv = toPv({ metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'db', name: 'data' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] }] }] } } } });
    expect(pv.claim).toEqual({ namespace: 'db', name: 'data' });
    expect(pv.nodeAffinity).toHaveLength(1);
  });
});
