import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeWatchSource } from '../../../activities/probes/capacity-watch.js';
import { isReady, podSlim, thinObject, workloadSlim } from '../../../activities/probes/capacity.js';

// The capacity watch's list: page by page, each object cut to what capacity reads.

const pod = (i: number, ready = true) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `web-${i}`, namespace: 'shop', uid: `u${i}`, labels: { app: 'web' }, annotations: { big: 'x'.repeat(500) }, managedFields: [{ manager: 'kubelet' }] },
  spec: { nodeName: `node-${i % 3}`, containers: [{ name: 'app', image: 'web:1' }] },
  status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'app', ready }] },
});

describe('thinObject', () => {
  it('keeps every field capacity reads: the slims of a thinned object are those of the whole one', () => {
    const p = { ...pod(1), metadata: { ...pod(1).metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } };
    for (const o of [pod(1), pod(2, false), p]) {
      expect(podSlim(thinObject(o))).toEqual(podSlim(o));
      expect(isReady(thinObject(o))).toBe(isReady(o));
    }
    const deploy = { metadata: { name: 'web', namespace: 'shop', annotations: { a: 'b' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: {} }, status: { readyReplicas: 3 } };
    const ds = { metadata: { name: 'agent', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'agent' } } }, status: { desiredNumberScheduled: 12 } };
    expect(workloadSlim('Deployment', thinObject(deploy))).toEqual(workloadSlim('Deployment', deploy));
    expect(workloadSlim('DaemonSet', thinObject(ds))).toEqual(workloadSlim('DaemonSet', ds));
    expect(JSON.stringify(thinObject(pod(1)))).not.toMatch(/annotations|managedFields|containers/);
  });
});

describe('the list of kubeWatchSource', () => {
  it('pages through with limit and continue, keeping the first page\'s resource version', async () => {
    const all = Array.from({ length: 1234 }, (_, i) => pod(i));
    const calls: Array<{ limit?: number; _continue?: string }> = [];
    const core = {
      listNamespacedPod: async (p: { namespace: string; limit?: number; _continue?: string }) => {
        calls.push({ ...(p.limit !== undefined ? { limit: p.limit } : {}), ...(p._continue ? { _continue: p._continue } : {}) });
        const from = Number(p._continue ?? 0);
        const to = Math.min(all.length, from + (p.limit ?? all.length));
        return { items: all.slice(from, to), metadata: { resourceVersion: from === 0 ? '100' : '999', ...(to < all.length ? { _continue: String(to) } : {}) } };
      },
    };
    const kc = { makeApiClient: () => core } as unknown as k8s.KubeConfig;
    const l = await kubeWatchSource(kc, { context: undefined, resource: 'pods', namespace: 'shop' }).list();
    expect(calls).toEqual([{ limit: 500 }, { limit: 500, _continue: '500' }, { limit: 500, _continue: '1000' }]);
    expect(l.items).toHaveLength(1234);
    expect(l.resourceVersion).toBe('100');
    expect(l.items[7]).toEqual(thinObject(all[7]));
  });
});
