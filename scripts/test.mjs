// `npm test`: every tool the tests use, built or installed first and one after the other
// (`firedrill dev tools`: on a cold machine its Go builds beside the tests slowed both), the type
// check and the linter (with the workflow-determinism rules), then vitest with the arguments
// given. Vitest runs even when a check failed, so one lint error does not hide the test results;
// any failure fails the run. .ci/run counts each check as one test, from .vitest/checks.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(name, command, args) {
  const started = performance.now();
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  return { name, ok: res.status === 0, seconds };
}

const checks = [
  run('tools', process.execPath, [join(root, 'bin', 'firedrill.js'), 'dev', 'tools']),
  run('typecheck', bin('tsc'), ['--noEmit', '-p', '.']),
  run('lint', bin('eslint'), ['.']),
];
mkdirSync(join(root, '.vitest'), { recursive: true });
writeFileSync(join(root, '.vitest', 'checks.json'), `${JSON.stringify(checks)}\n`);

const tests = run('vitest', bin('vitest'), ['run', ...process.argv.slice(2)]);
console.error(checks.map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAILED'} (${c.seconds} s)`).join(', '));
process.exit(tests.ok && checks.every((c) => c.ok) ? 0 : 1);
