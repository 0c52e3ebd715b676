import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, projectRoot } from '../devstack/paths.js';
import type { Logger } from './logger.js';

// The workflow bundle is built by a child process and cached under the hash of the sources it
// is made of, so a worker process never holds webpack (about 100 MB at its peak) and starts
// without bundling when nothing changed.

const child = fileURLToPath(new URL('./bundle-child.mjs', import.meta.url));
const KEEP = 5;

const exists = (f: string) => stat(f).then((st) => st.isFile(), () => false);

/** The file a relative import names: sources import `./x.js` for `./x.ts`. */
async function resolveImport(from: string, spec: string): Promise<string | undefined> {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  for (const c of candidates) if (await exists(c)) return c;
  return undefined;
}

/** Every project file reachable from the workflows entry by relative imports (types included). */
export async function workflowSources(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = await resolveImport(file, m[1] as string);
      if (target && !seen.has(target)) queue.push(target);
    }
  }
  return [...seen].sort();
}

/** sha256 over the workflow sources and the locked dependency versions. */
export async function bundleKey(entry: string, root = projectRoot): Promise<string> {
  const hash = createHash('sha256');
  for (const f of [path.join(root, 'package-lock.json'), ...await workflowSources(entry)]) {
    hash.update(path.relative(root, f)).update('\0').update(await readFile(f)).update('\0');
  }
  return hash.digest('hex').slice(0, 24);
}

/** Old bundles are dropped: each source change leaves one of about 2 MB behind. */
async function prune(dir: string): Promise<void> {
  const files = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.js'))
    .map(async (f) => ({ f, t: (await stat(path.join(dir, f))).mtimeMs })));
  for (const { f } of files.sort((a, b) => b.t - a.t).slice(KEEP)) await rm(path.join(dir, f), { force: true });
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (c: string) => { err = (err + c).slice(-4000); });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bundling the workflows failed (exit ${code}): ${err.trim()}`))));
  });
}

export async function loadWorkflowBundle(workflowsPath: string, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<{ code: string }> {
  const dir = path.join(cacheRoot(env), 'workflow-bundles');
  let file: string | undefined;
  try {
    file = path.join(dir, `${await bundleKey(workflowsPath)}.js`);
    try {
      return { code: await readFile(file, 'utf8') };
    } catch {
      // Not built yet for these sources.
    }
    await mkdir(dir, { recursive: true });
    const started = Date.now();
    await run([child, workflowsPath, file]);
    log.info({ file, ms: Date.now() - started }, 'workflow bundle built');
    await prune(dir).catch(() => undefined);
    return { code: await readFile(file, 'utf8') };
  } catch (err) {
    // A read-only file system (or a cache it cannot write) must not stop a worker: bundle here.
    log.warn({ err: (err as Error).message, file }, 'workflow bundle cache not usable; bundling in this process');
    const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
    return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  }
}
