import type { DrillResult } from '../report/result.js';
import type { GameDayResult } from '../report/gameday-result.js';

// The exit codes of firedrill's command-line contract, by outcome: the CLI exits with them and
// scripts (CI jobs running drills) branch on them.

/** Contract: 0 objectives met, 1 objectives missed, 2 aborted or error (refused counts as not run). */
export function exitCodeFor(result: DrillResult): number {
  if (result.outcome === 'passed') return 0;
  if (result.outcome === 'failed') return 1;
  return 2;
}

/** Same contract as a drill: 0 all objectives met, 1 some missed, 2 aborted, refused, skipped or error. */
export function gameDayExitCode(r: GameDayResult): number {
  if (r.outcome === 'passed') return 0;
  if (r.outcome === 'failed') return 1;
  return 2;
}
