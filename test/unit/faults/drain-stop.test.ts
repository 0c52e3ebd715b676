import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { drainNodes } from '../../../activities/faults/drain.js';

// A drain waiting on a PodDisruptionBudget gives up at once when its
// signal aborts (an operator's abort), instead of retrying until the eviction timeout.

function fakeCore(evictions: { count: number }): k8s.CoreV1Api {
  const pod: k8s.V1Pod = { metadata: { name: 'db-0', namespace: 'shop' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running' } };
  return {
    listPodForAllNamespaces: async () => ({ items: [pod], metadata: {} }),
    createNamespacedPodEviction: async () => {
      evictions.count++;
      throw new k8s.ApiException(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.', '{}', {});
    },
  } as unknown as k8s.CoreV1Api;
}

const base = { concurrency: 4, protectedNamespaces: [] as string[] };

describe('drainNodes and a stopped drill', () => {
  it('stops retrying a PDB-blocked pod as soon as the signal aborts, and reports it', async () => {
    const evictions = { count: 0 };
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 100); // before the first retry (250 ms)
    const out = await drainNodes(fakeCore(evictions), ['n1'], { ...base, evictionTimeoutMs: 60_000, signal: stop.signal }, { retries: 0 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(evictions.count).toBe(1);
    expect(out.evicted).toBe(0);
    expect(out.notEvicted).toEqual([{ namespace: 'shop', pod: 'db-0', node: 'n1', reason: 'blocked by a PodDisruptionBudget when the drill was stopped' }]);
  });

  it('without an abort it keeps retrying until the eviction timeout', async () => {
    const evictions = { count: 0 };
    const started = Date.now();
    const out = await drainNodes(fakeCore(evictions), ['n1'], { ...base, evictionTimeoutMs: 2_000, signal: new AbortController().signal }, { retries: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(evictions.count).toBeGreaterThanOrEqual(3);
    expect(out.notEvicted[0]?.reason).toMatch(/for 2 s \(eviction timeout\)/);
  });
});
