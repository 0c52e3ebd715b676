import type { PodRef } from './pod-refs.js';

// Which PDB-blocked pods a drain retries now. A budget frees a slot when the disruption
// controller sees a replacement ready and raises status.disruptionsAllowed; retrying on a timer
// either wastes calls (too often: every blocked pod is refused again) or leaves freed slots
// unused (too seldom). With a view of the budgets (one watch), a budget's pods are retried when
// its allowance rises, as many as it allows; pods whose budget is unknown (the refusal named
// none, no watch) are retried on the fallback timer, all of them, as before.

export interface Blocked {
  pod: PodRef;
  /** "namespace/name" of the budget the refusal named. */
  budget?: string;
}

/** What the drain knows of the budgets: the last allowance seen and how often it rose. */
export interface BudgetState {
  /** status.disruptionsAllowed last seen; undefined when the budget was never seen. */
  allowed(key: string): number | undefined;
  /** Bumped each time the budget's disruptionsAllowed rises. */
  version(key: string): number;
}

export interface RetryBook {
  /** Evictions in flight per budget key. */
  inflight: Map<string, number>;
  /** The budget's version when its pods were last sent: no resend until it rises again. */
  sentAt: Map<string, number>;
}

export function newRetryBook(): RetryBook {
  return { inflight: new Map(), sentAt: new Map() };
}

export const budgetKey = (namespace: string, budget: string | undefined) => (budget ? `${namespace}/${budget}` : undefined);

/**
 * The blocked pods to send now, in their order (oldest refusals first). `fallbackDue`: the
 * timer fired, so pods of unknown budgets go, and a known budget with nothing in flight gets
 * one probe (the watch may have missed a rise).
 */
export function planRetries(blocked: Blocked[], budgets: BudgetState | undefined, book: RetryBook, fallbackDue: boolean): Blocked[] {
  const picks: Blocked[] = [];
  const quota = new Map<string, number>();
  for (const b of blocked) {
    const allowed = b.budget !== undefined ? budgets?.allowed(b.budget) : undefined;
    if (b.budget === undefined || allowed === undefined) {
      if (fallbackDue) picks.push(b);
      continue;
    }
    let left = quota.get(b.budget);
    if (left === undefined) {
      const inflight = book.inflight.get(b.budget) ?? 0;
      const version = budgets!.version(b.budget);
      const rose = version > (book.sentAt.get(b.budget) ?? -1);
      left = rose ? Math.max(0, allowed - inflight) : 0;
      if (left === 0 && fallbackDue && inflight === 0) left = 1;
      if (left > 0) book.sentAt.set(b.budget, version);
    }
    if (left > 0) {
      picks.push(b);
      left--;
    }
    quota.set(b.budget, left);
  }
  return picks;
}
