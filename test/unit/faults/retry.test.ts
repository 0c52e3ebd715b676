import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { drainNodes, isPdbRefusal } from '../../../activities/faults/drain.js';
import { PRIOR_ANNOTATION, RUN_LABEL, ACTIONS_ANNOTATION, WORKFLOW_ANNOTATION } from '../../../activities/faults/marks.js';
import { restoreNode } from '../../../activities/faults/nodes.js';
import { blockedMsOf, withApiRetry, type RetryCounter } from '../../../activities/kube/retry.js';

// API retries are counted and the time calls kept failing is measured, so a drill result can
// say how rough the API was and how long restore was blocked.

const refused = () => Object.assign(new Error('request to https://127.0.0.1:1/api/v1/nodes failed, reason: connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
const status = (code: number, message = '') => new k8s.ApiException(code, 'x', JSON.stringify({ kind: 'Status', code, message }), {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withApiRetry', () => {
  it('counts retries and measures the time calls kept failing', async () => {
    const counter: RetryCounter = { retries: 0 };
    let calls = 0;
    const started = Date.now();
    const out = await withApiRetry(async () => {
      calls++;
      if (calls <= 3) throw refused();
      return 'ok';
    }, counter, { baseMs: 20 });
    const took = Date.now() - started;
    expect(out).toBe('ok');
    expect(counter.retries).toBe(3);
    // Sleeps of 20 + 40 + 80 ms between the failures and the answer.
    expect(blockedMsOf(counter)).toBeGreaterThanOrEqual(135);
    expect(blockedMsOf(counter)).toBeLessThanOrEqual(took);
    expect(counter.failingSince).toBeUndefined();
  });

  it('counts overlapping failures of concurrent calls once', async () => {
    const counter: RetryCounter = { retries: 0 };
    const failTwice = () => {
      let n = 0;
      return async () => {
        if (++n <= 2) throw status(503);
        return n;
      };
    };
    const started = Date.now();
    await Promise.all([withApiRetry(failTwice(), counter, { baseMs: 30 }), withApiRetry(failTwice(), counter, { baseMs: 30 })]);
    expect(counter.retries).toBe(4);
    expect(blockedMsOf(counter)).toBeLessThanOrEqual(Date.now() - started);
  });

  it('takes an answer that is an error (409, 404) as the end of the outage, and does not retry it', async () => {
    const counter: RetryCounter = { retries: 0 };
    let n = 0;
    await expect(withApiRetry(async () => {
      if (++n === 1) throw refused();
      throw status(409);
    }, counter, { baseMs: 10 })).rejects.toMatchObject({ code: 409 });
    expect(n).toBe(2);
    expect(counter.failingSince).toBeUndefined();
    expect(blockedMsOf(counter)).toBeGreaterThanOrEqual(8);
  });

  it('keeps an outage open when it gives up, and counts it until now', async () => {
    const counter: RetryCounter = { retries: 0 };
    await expect(withApiRetry(async () => { throw refused(); }, counter, { attempts: 3, baseMs: 10 })).rejects.toThrow(/ECONNREFUSED/);
    expect(counter.retries).toBe(2);
    const open = blockedMsOf(counter);
    await sleep(30);
    expect(blockedMsOf(counter)).toBeGreaterThanOrEqual(open + 25);
  });

  it('waits what Retry-After asks for a 429', async () => {
    const counter: RetryCounter = { retries: 0 };
    let n = 0;
    const started = Date.now();
    await withApiRetry(async () => {
      if (++n === 1) throw new k8s.ApiException(429, 'x', '{}', { 'retry-after': '1' });
      return n;
    }, counter, { baseMs: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });
});

describe('eviction refusals', () => {
  it('tells a PodDisruptionBudget refusal from throttling', () => {
    expect(isPdbRefusal(status(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.'))).toBe(true);
    expect(isPdbRefusal(status(500, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'))).toBe(false);
    expect(isPdbRefusal(status(500, 'the disruption budget x needs to be processed'))).toBe(true);
    expect(isPdbRefusal(status(429, 'too many requests, please try again later'))).toBe(false);
    expect(isPdbRefusal(status(503))).toBe(false);
    expect(isPdbRefusal(refused())).toBe(false);
  });
});

describe('drain under throttling', () => {
  const pod = (name: string): k8s.V1Pod => ({ metadata: { name, namespace: 'ns' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running' } });

  it('retries a throttled eviction, keeps a PDB-blocked one for the drain loop, and fails a several-PDB one at once', async () => {
    const calls: Record<string, number> = {};
    const core = {
      listPodForAllNamespaces: async () => ({ items: [pod('throttled'), pod('guarded'), pod('multi')], metadata: {} }),
      createNamespacedPodEviction: async ({ name }: { name: string }) => {
        calls[name] = (calls[name] ?? 0) + 1;
        if (name === 'throttled' && calls[name] === 1) throw new k8s.ApiException(429, 'x', JSON.stringify({ message: 'too many requests' }), { 'retry-after': '0' });
        if (name === 'guarded') throw status(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.');
        if (name === 'multi') throw status(500, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
        return {};
      },
    } as unknown as k8s.CoreV1Api;
    const counter: RetryCounter = { retries: 0 };
    const out = await drainNodes(core, ['n1'], { concurrency: 4, evictionTimeoutMs: 700, protectedNamespaces: [] }, counter);
    expect(out.evicted).toBe(1);
    expect(calls.throttled).toBe(2);
    // The drain loop, not the API retry, retried the PDB refusal; the several-PDB answer was final.
    expect(calls.guarded).toBeGreaterThanOrEqual(2);
    expect(calls.multi).toBe(1);
    expect(counter.retries).toBe(1);
    expect(out.notEvicted.map((p) => [p.pod, p.reason.slice(0, 40)]).sort()).toEqual([
      ['guarded', 'blocked by a PodDisruptionBudget for 1 s'],
      ['multi', expect.stringMatching(/^eviction failed: HTTP 500/)],
    ]);
  });
});

describe('restoreNode when the answer to its patch is lost', () => {
  it('reports the node restored by this call, not "no change of this run"', async () => {
    let node: k8s.V1Node = {
      metadata: {
        name: 'n1', resourceVersion: '1', labels: { [RUN_LABEL]: 'run-1' },
        annotations: { [WORKFLOW_ANNOTATION]: 'wf', [PRIOR_ANNOTATION]: '{"unschedulable":false}', [ACTIONS_ANNOTATION]: 'cordon' },
      },
      spec: { unschedulable: true },
    };
    let patches = 0;
    const core = {
      readNode: async () => structuredClone(node),
      patchNode: async ({ body }: { body: { metadata: { resourceVersion?: string } } }) => {
        patches++;
        if (body.metadata.resourceVersion !== node.metadata?.resourceVersion) throw status(409);
        // Applied, then the connection drops before the answer.
        node = { metadata: { name: 'n1', resourceVersion: '2', labels: {}, annotations: {} }, spec: {} };
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
    } as unknown as k8s.CoreV1Api;
    const counter: RetryCounter = { retries: 0 };
    const out = await restoreNode(core, 'n1', 'run-1', counter);
    expect(out).toEqual({ name: 'n1', restored: true, note: undefined });
    expect(patches).toBe(2);
    expect(counter.retries).toBe(1);
  });
});
