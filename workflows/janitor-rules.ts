import type { MarkedRun } from '../activities/index.js';

// The janitor's rules, pure (no Temporal, no clock of its own): what to do with a run's marks.

/** Whether this janitor owns a run's marks: same Temporal namespace and task queue, same cluster. */
export function ownsRun(run: Pick<MarkedRun, 'owner'>, me: { namespace: string; taskQueue: string }, cluster: string): boolean {
  const o = run.owner;
  return o !== undefined && o.namespace === me.namespace && o.taskQueue === me.taskQueue && o.cluster === cluster;
}

export type JanitorAction =
  | { act: 'restore'; why: 'closed' | 'deadline' | 'requested' }
  | { act: 'other-owner' }
  | { act: 'ask-if-open' };

/** What the janitor does with a run's (verified) marks, before asking whether its run is open. */
export function decide(run: Pick<MarkedRun, 'runId' | 'owner' | 'restoreBy'>, me: { namespace: string; taskQueue: string }, cluster: string, nowMs: number, requested: string[] = []): JanitorAction {
  if (requested.includes(run.runId)) return { act: 'restore', why: 'requested' };
  if (run.restoreBy !== undefined && Date.parse(run.restoreBy) <= nowMs) return { act: 'restore', why: 'deadline' };
  if (!ownsRun(run, me, cluster)) return { act: 'other-owner' };
  return { act: 'ask-if-open' };
}

/**
 * A Temporal run id (a UUID). Marks with anything else are reported by the scan; this guards the
 * signal too, since an invalid run id in a command fails the janitor's workflow task for good.
 */
export function isRunId(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
