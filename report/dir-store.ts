import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from './atomic-write.js';
import type { ReportStore } from './store-types.js';
import { storeKeyProblem } from './store-key.js';

// The default report store: a directory (FIREDRILL_REPORT_DIR, ./reports). Keys are checked
// before they become paths, so nothing is read or written outside the directory.

function pathOf(root: string, key: string): string {
  const problem = storeKeyProblem(key);
  if (problem) throw new Error(`report store key "${key}" ${problem}`);
  return path.join(root, ...key.split('/'));
}

async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const key = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(path.join(dir, e.name), key, out);
    // Half-written files of writeAtomic are not objects yet.
    else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(key);
  }
}

export function createDirStore(root: string): ReportStore {
  return {
    where: (key) => (key ? pathOf(root, key) : root),
    async read(key) {
      return readFile(pathOf(root, key), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EISDIR') return undefined;
        throw err;
      });
    },
    async write(key, body) {
      const file = pathOf(root, key);
      await mkdir(path.dirname(file), { recursive: true });
      await writeAtomic(file, body);
    },
    async list(prefix = '') {
      const out: string[] = [];
      await walk(prefix ? pathOf(root, prefix) : root, prefix.replace(/\/$/, ''), out);
      return out.sort();
    },
  };
}
