import { ensureTemporal } from '../../../devstack/provision.js';

// The workflow tests start private Temporal dev servers from the pinned Temporal CLI. It is
// built here once, into the cache `dev up` uses (minutes on a cold machine, then a file check),
// so no test hook waits on a build. Nothing else of the stack is needed: no kube, no kwok.
export async function setup(): Promise<void> {
  const started = Date.now();
  const bin = await ensureTemporal((m) => process.stderr.write(`[temporal cli] ${m}\n`));
  if (Date.now() - started > 2_000) process.stderr.write(`[temporal cli] ready in ${Math.round((Date.now() - started) / 1000)} s: ${bin}\n`);
}
