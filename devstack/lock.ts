import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * Runs fn while holding an exclusive lock on `name` under dir, so two processes that ask for the
 * same tool build (or start the same stack) at once take turns instead of racing. The lock is
 * refreshed while held and considered stale a minute after its holder died. onWait is called
 * first when another process holds it.
 */
export async function withLock<T>(dir: string, name: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, `${name}.lock-target`);
  await fs.writeFile(target, '', { flag: 'a' });
  if (onWait && await lockfile.check(target, { stale: 60_000, realpath: false })) onWait();
  const release = await lockfile.lock(target, {
    stale: 60_000,
    update: 10_000,
    realpath: false,
    // A cold tool build takes many minutes: wait for the other process rather than fail.
    retries: { retries: 3600, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}
