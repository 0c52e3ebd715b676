import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { checkKubernetes } from '../../../activities/probes/checks.js';
import { parseDrillSource } from '../../../drills/load.js';
import { requiredReady, type KubernetesProbeSpec } from '../../../drills/schema/index.js';
import { BASE, edit } from './fixtures/drill.js';

// A kubernetes probe without minReady wants every replica the workload desires.

const load = (text: string) => parseDrillSource(new TextEncoder().encode(text), 'drill.yaml');

/** A KubeConfig whose apps API answers with one workload's spec and status. */
function cluster(body: { spec?: { replicas?: number }; status: Record<string, number> }): k8s.KubeConfig {
  const read = async () => body;
  const apps = { readNamespacedDeployment: read, readNamespacedStatefulSet: read, readNamespacedReplicaSet: read, readNamespacedDaemonSet: read };
  return { makeApiClient: () => apps } as unknown as k8s.KubeConfig;
}

const probe = (extra: Partial<KubernetesProbeSpec> = {}): KubernetesProbeSpec => ({
  name: 'api-ready', type: 'kubernetes', workload: { kind: 'Deployment', namespace: 'shop', name: 'api' },
  interval: 1000, tolerance: { stableFor: 0, allowedFailures: 0 }, ...extra,
});

describe('minReady', () => {
  it('may be left out: the parsed probe then has none', () => {
    const r = load(edit(BASE, '    minReady: 3\n', ''));
    expect(r.ok && r.spec.probes[2]).toEqual(expect.not.objectContaining({ minReady: expect.anything() }));
  });

  it('when given, is a whole number of at least 1', () => {
    const r = load(edit(BASE, 'minReady: 3', 'minReady: 0'));
    expect(r.ok ? [] : r.problems.map((p) => [p.path, p.message])).toEqual([['probes[2].minReady', 'must be at least 1, got 0']]);
  });

  it('defaults to the desired replicas of the workload', () => {
    expect(requiredReady({}, 5)).toBe(5);
    expect(requiredReady({ minReady: 2 }, 5)).toBe(2);
  });

  it('is resolved by the probe from the workload it reads', async () => {
    expect(await checkKubernetes(probe(), cluster({ spec: { replicas: 3 }, status: { readyReplicas: 2 } }))).toEqual({ ok: false, error: '2/3 ready' });
    expect(await checkKubernetes(probe(), cluster({ spec: { replicas: 3 }, status: { readyReplicas: 3 } }))).toEqual({ ok: true });
    expect(await checkKubernetes(probe({ minReady: 2 }), cluster({ spec: { replicas: 3 }, status: { readyReplicas: 2 } }))).toEqual({ ok: true });
    const daemons = probe({ workload: { kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' } });
    expect(await checkKubernetes(daemons, cluster({ status: { desiredNumberScheduled: 4, numberReady: 3 } }))).toEqual({ ok: false, error: '3/4 ready' });
  });
});
