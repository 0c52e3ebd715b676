import { CensusError } from '../activities/census/errors.js';
import { StackError } from '../devstack/errors.js';

/** Exit codes of the command-line contract. */
export const EXIT = { ok: 0, missed: 1, invalid: 1, error: 2 } as const;

/** Expected problems (bad environment, bad input) print one clear message; bugs keep their stack. */
export function reportError(err: unknown): number {
  if (err instanceof StackError || err instanceof UsageError || err instanceof CensusError) {
    process.stderr.write(`firedrill: ${err.message}\n`);
    if (err instanceof StackError && err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    return EXIT.error;
  }
  const e = err as { message?: string; code?: string };
  if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED|UNAVAILABLE|connect/i.test(e?.message ?? '')) {
    process.stderr.write(`firedrill: cannot reach a required service: ${e.message}\n`);
    return EXIT.error;
  }
  process.stderr.write(`firedrill: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.error;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
