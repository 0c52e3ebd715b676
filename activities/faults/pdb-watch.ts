import * as k8s from '@kubernetes/client-node';
import type { BudgetState } from './pdb-retry.js';

// One watch on the cluster's PodDisruptionBudgets while a drain waits on them: it tells the
// drain when a budget's status.disruptionsAllowed rises, so a blocked pod is retried as soon as
// its budget frees a slot, and not on a timer. Budgets are few (one per workload at most), so
// the list and its events are small whatever the number of pods. When the watch cannot be
// opened (RBAC without `watch`, an old API server) the drain keeps its timer.

export interface BudgetWatch extends BudgetState {
  /** Resolves at the next rise of any budget, after `ms`, or when the signal aborts. */
  changed(ms: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** The allowances seen so far and their rises; the watch feeds it, the drain reads it. */
export function budgetTracker() {
  const allowed = new Map<string, number>();
  const versions = new Map<string, number>();
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  return {
    allowed: (key: string) => allowed.get(key),
    version: (key: string) => versions.get(key) ?? 0,
    /** Records the budget's allowance; true (and waiters woken) when it rose. */
    update(key: string, value: number): boolean {
      const before = allowed.get(key);
      allowed.set(key, value);
      const rose = before === undefined ? value > 0 : value > before;
      if (rose) {
        versions.set(key, (versions.get(key) ?? 0) + 1);
        wake();
      }
      return rose;
    },
    remove(key: string): void {
      allowed.delete(key);
      // A deleted budget no longer blocks: its pods may go.
      versions.set(key, (versions.get(key) ?? 0) + 1);
      wake();
    },
    changed(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise((resolve) => {
        const done = () => { clearTimeout(timer); waiters.delete(done); signal?.removeEventListener('abort', done); resolve(); };
        const timer = setTimeout(done, ms);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}

const keyOf = (pdb: k8s.V1PodDisruptionBudget) => `${pdb.metadata?.namespace ?? ''}/${pdb.metadata?.name ?? ''}`;

/**
 * Lists the budgets and watches them from that list's resourceVersion; reconnects (with a
 * fresh list) when the watch ends. undefined when the first list or watch is refused.
 */
export async function watchBudgets(kc: k8s.KubeConfig): Promise<BudgetWatch | undefined> {
  const policy = kc.makeApiClient(k8s.PolicyV1Api);
  const tracker = budgetTracker();
  const watch = new k8s.Watch(kc);
  let closed = false;
  let req: AbortController | undefined;
  const open = async (): Promise<void> => {
    const list = await policy.listPodDisruptionBudgetForAllNamespaces({});
    for (const pdb of list.items) tracker.update(keyOf(pdb), pdb.status?.disruptionsAllowed ?? 0);
    if (closed) return;
    req = await watch.watch('/apis/policy/v1/poddisruptionbudgets', { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, pdb: k8s.V1PodDisruptionBudget) => {
        if (type === 'DELETED') tracker.remove(keyOf(pdb));
        else if (type === 'ADDED' || type === 'MODIFIED') tracker.update(keyOf(pdb), pdb.status?.disruptionsAllowed ?? 0);
      },
      (err: unknown) => {
        // Refused (401, 403: no `watch` verb): the drain falls back to its timer for good.
        const code = (err as { statusCode?: number } | null)?.statusCode;
        if (code !== undefined && code >= 400 && code < 500 && code !== 410) { refused = true; return; }
        // Ended (timeout, a dropped connection, 410 Gone): list again and resume, a second later.
        if (!closed) setTimeout(() => { if (!closed) void open().catch(() => undefined); }, 1000).unref();
      });
  };
  let refused = false;
  try {
    await open();
  } catch {
    return undefined;
  }
  if (refused) return undefined;
  return {
    // Unknown once the watch was refused: the drain's timer takes those pods.
    allowed: (key) => (refused ? undefined : tracker.allowed(key)),
    version: tracker.version,
    changed: tracker.changed,
    close() { closed = true; req?.abort(); },
  };
}
