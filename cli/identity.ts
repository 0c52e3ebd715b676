import os from 'node:os';

/** Who is acting, for approvals, aborts and pauses: FIREDRILL_IDENTITY or user@host. */
export function identity(): string {
  return process.env.FIREDRILL_IDENTITY ?? `${os.userInfo().username}@${os.hostname()}`;
}
