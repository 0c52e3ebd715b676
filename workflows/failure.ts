// An activity's failure reaches the workflow as ActivityFailure("Activity task failed"); what
// went wrong is in its cause. Pure, so it is safe in workflow code.

/** The message of the innermost cause of a failure. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return (e instanceof Error ? e.message : undefined) || String(err);
}
