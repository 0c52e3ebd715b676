import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drainNodes } from '../../../activities/faults/drain.js';
import { newRetryBook, planRetries, type Blocked } from '../../../activities/faults/pdb-retry.js';
import { budgetTracker, type BudgetWatch } from '../../../activities/faults/pdb-watch.js';

// A PDB-blocked pod is retried when its budget's disruptionsAllowed rises (seen by one watch),
// as many pods as the budget allows; pods of budgets the watch does not know wait for the timer.

const ref = (name: string) => ({ namespace: 'shop', name, uid: `u-${name}`, node: 'n1' });
const blockedOn = (budget: string | undefined, ...names: string[]): Blocked[] => names.map((n) => ({ pod: ref(n), ...(budget ? { budget } : {}) }));

describe('planRetries', () => {
  it('sends as many pods of a budget as it allows, once per rise', () => {
    const t = budgetTracker();
    t.update('shop/web', 0);
    const book = newRetryBook();
    const blocked = blockedOn('shop/web', 'a', 'b', 'c');
    expect(planRetries(blocked, t, book, false)).toEqual([]);
    expect(t.update('shop/web', 2)).toBe(true);
    expect(planRetries(blocked, t, book, false).map((b) => b.pod.name)).toEqual(['a', 'b']);
    // The same allowance again (no rise): nothing more, even if the two were refused.
    expect(planRetries(blocked, t, book, false)).toEqual([]);
    expect(t.update('shop/web', 1)).toBe(false);
    expect(planRetries(blocked, t, book, false)).toEqual([]);
    expect(t.update('shop/web', 3)).toBe(true);
    book.inflight.set('shop/web', 1);
    expect(planRetries(blocked, t, book, false).map((b) => b.pod.name)).toEqual(['a', 'b']);
  });

  it('on the timer: every pod of an unknown budget, one probe per known budget with nothing in flight', () => {
    const t = budgetTracker();
    t.update('shop/web', 0);
    const book = newRetryBook();
    book.sentAt.set('shop/web', t.version('shop/web'));
    const blocked = [...blockedOn('shop/web', 'a', 'b'), ...blockedOn(undefined, 'x', 'y'), ...blockedOn('shop/unseen', 'z')];
    expect(planRetries(blocked, t, book, false)).toEqual([]);
    expect(planRetries(blocked, t, book, true).map((b) => b.pod.name)).toEqual(['a', 'x', 'y', 'z']);
    book.inflight.set('shop/web', 1);
    expect(planRetries(blocked, t, book, true).map((b) => b.pod.name)).toEqual(['x', 'y', 'z']);
    // Without a watch everything waits for the timer.
    expect(planRetries(blocked, undefined, newRetryBook(), true)).toHaveLength(5);
  });

  it('a deleted budget lets its pods go', () => {
    const t = budgetTracker();
    t.update('shop/web', 0);
    const book = newRetryBook();
    const blocked = blockedOn('shop/web', 'a');
    book.sentAt.set('shop/web', t.version('shop/web'));
    t.remove('shop/web');
    expect(planRetries(blocked, t, book, true).map((b) => b.pod.name)).toEqual(['a']);
  });
});

const refusal = (budget: string) => new k8s.ApiException(429, 'Too Many Requests', JSON.stringify({
  kind: 'Status', code: 429, message: 'Cannot evict pod as it would violate the pod\'s disruption budget.',
  details: { causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${budget} needs 2 healthy pods and has 2 currently` }] },
}), {});

describe('drainNodes with a watch on the budgets', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('retries a blocked pod when its budget rises, with no timer needed', async () => {
    // Timers are frozen: the drain can only finish if the rise, not the fallback timer, drives the retry.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const t = budgetTracker();
    t.update('shop/web', 0);
    const watch: BudgetWatch = { allowed: t.allowed, version: t.version, changed: t.changed, close: () => undefined };
    const log: string[] = [];
    let allow = false;
    const core = {
      listPodForAllNamespaces: async () => ({ items: [{ metadata: { name: 'web-0', namespace: 'shop', uid: 'u0' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running' } }], metadata: {} }),
      createNamespacedPodEviction: async (req: { body: k8s.V1Eviction }) => {
        log.push(`evict ${req.body.metadata?.name} uid=${req.body.deleteOptions?.preconditions?.uid}`);
        if (allow) return {};
        // A replacement gets ready soon after: the disruption controller raises the allowance.
        setImmediate(() => { allow = true; log.push('rise'); t.update('shop/web', 1); });
        throw refusal('web');
      },
    } as unknown as k8s.CoreV1Api;
    const out = await drainNodes(core, ['n1'], { concurrency: 4, protectedNamespaces: [], evictionTimeoutMs: 20_000, budgets: watch }, { retries: 0 });
    expect(out).toEqual({ evicted: 1, skipped: 0, notEvicted: [] });
    expect(log).toEqual(['evict web-0 uid=u0', 'rise', 'evict web-0 uid=u0']);
  });

  it('an eviction refused for a pod replaced under the same name counts the pod as gone', async () => {
    const core = {
      listPodForAllNamespaces: async () => ({ items: [{ metadata: { name: 'db-0', namespace: 'shop', uid: 'old' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running' } }], metadata: {} }),
      createNamespacedPodEviction: async () => {
        throw new k8s.ApiException(409, 'Conflict', JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'Precondition failed: UID in precondition: old, UID in object meta: new' }), {});
      },
    } as unknown as k8s.CoreV1Api;
    const out = await drainNodes(core, ['n1'], { concurrency: 1, protectedNamespaces: [], evictionTimeoutMs: 1_000 }, { retries: 0 });
    expect(out).toEqual({ evicted: 1, skipped: 0, notEvicted: [] });
  });
});
