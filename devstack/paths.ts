import os from 'node:os';
import path from 'node:path';

// Tool builds are slow (minutes on two cores), so they live outside the work tree and survive
// fresh clones; the running stack's state (databases, pid files, logs) lives beside them.
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIREDRILL_CACHE_DIR) return path.resolve(env.FIREDRILL_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'firedrill');
}

export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIREDRILL_STATE_DIR) return path.resolve(env.FIREDRILL_STATE_DIR);
  return path.join(cacheRoot(env), 'state');
}

/** The project checkout (where tools/kube, the wrapper module, lives). */
export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
