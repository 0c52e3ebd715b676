import { CensusError } from '../activities/census/errors.js';
import { ClientError } from '../client/errors.js';
import { StackError } from '../devstack/errors.js';

/** Exit codes of the command-line contract. */
export const EXIT = { ok: 0, missed: 1, invalid: 1, error: 2 } as const;

/** Expected problems (bad environment, bad input) print one clear message; bugs keep their stack. */
export function reportError(err: unknown): number {
  if (err instanceof StackError || err instanceof UsageError || err instanceof CensusError || err instanceof ClientError) {
    process.stderr.write(`firedrill: ${err.message}\n`);
    if (err instanceof StackError && err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    return EXIT.error;
  }
  const e = err as { message?: string; code?: string; name?: string };
  if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED|UNAVAILABLE|connect/i.test(e?.message ?? '')) {
    process.stderr.write(`firedrill: cannot reach a required service: ${firstLine(e.message)}\n`);
    return EXIT.error;
  }
  // Temporal's own refusals (a closed run, a query nobody answers, a bad namespace) are not bugs.
  if (e?.name === 'ServiceError' || e?.name === 'WorkflowNotFoundError' || e?.name === 'QueryNotRegisteredError') {
    process.stderr.write(`firedrill: Temporal: ${firstLine(e.message)}\n`);
    return EXIT.error;
  }
  process.stderr.write(`firedrill: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.error;
}

const firstLine = (m: string | undefined) => (m ?? '').split('\n')[0];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
