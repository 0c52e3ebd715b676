import type { DrillResult, Outcome } from '../report/result.js';
import type { GameDayResult } from '../report/gameday-result.js';

// The exit codes of firedrill's command-line contract, by outcome: the CLI exits with them and
// scripts (CI jobs running drills) branch on them.

/**
 * 0: every objective met. 1: an objective missed, or one that could not be judged (inconclusive:
 * a drill that did not observe enough never passes). 2: aborted, refused, skipped or error
 * (a node left changed is an error).
 */
export function exitCodeForOutcome(outcome: Outcome): number {
  if (outcome === 'passed') return 0;
  if (outcome === 'failed' || outcome === 'inconclusive') return 1;
  return 2;
}

export function exitCodeFor(result: Pick<DrillResult, 'outcome'>): number {
  return exitCodeForOutcome(result.outcome);
}

/** Same contract for a game day, by its worst drill. */
export function gameDayExitCode(r: Pick<GameDayResult, 'outcome'>): number {
  return exitCodeForOutcome(r.outcome);
}
