// Runs before `npm test` and `npm run demo`: on a fresh clone (or after package-lock.json
// changed) it installs the locked dependencies, so the two commands need nothing else first.
// Where the machine's Node is older than firedrill supports, it first provides the pinned
// Node 24 (scripts/node.mjs) and installs the dependencies with it, so native and platform
// packages are the ones that Node loads.
// Only Node built-ins here: nothing else is installed yet when it runs.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envWith, provide, supported } from './node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

let node = process.execPath;
if (!supported()) {
  try {
    node = provide({ always: true });
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}

const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.error('firedrill: installing dependencies (npm ci)');
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: envWith(node) });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
