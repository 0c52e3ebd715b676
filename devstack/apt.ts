import { run, which } from './exec.js';
import { StackError } from './errors.js';
import { withLock } from './lock.js';
import { cacheRoot } from './paths.js';
import type { Progress } from './provision.js';

/**
 * Installs a Debian package when `found` says it is missing, as root only, under the cache's apt
 * lock so two stacks never run apt-get at once. RUNLEVEL=1 keeps the package's own service from
 * starting: the stack runs its own instance on its own port.
 */
export async function aptInstall(pkg: string, found: () => Promise<string | undefined>, hint: string, progress: Progress): Promise<string> {
  const have = await found();
  if (have) return have;
  const apt = await which('apt-get');
  if (!apt || process.getuid?.() !== 0) throw new StackError(`${pkg} is not installed`, hint);
  return withLock(cacheRoot(), 'apt', async () => {
    const again = await found();
    if (again) return again;
    progress(`installing ${pkg} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
    let res = await run(apt, ['install', '-y', '-q', pkg], { env });
    if (res.code !== 0) {
      await run(apt, ['update', '-q'], { env });
      res = await run(apt, ['install', '-y', '-q', pkg], { env });
    }
    const now = await found();
    if (res.code !== 0 || !now) throw new StackError(`apt-get install ${pkg} failed:\n${res.stderr.slice(-2000)}`, hint);
    return now;
  });
}
