import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerReport } from '../../../cli/commands/report.js';
import { UsageError } from '../../../cli/errors.js';
import { sealResult } from '../../../report/evidence.js';
import { failResult, passResult } from './fixtures/results.js';

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command().name('firedrill');
  registerReport(program);
  let out = '';
  let err = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'firedrill', ...args]);
    return { out, err, code: Number(process.exitCode ?? 0) };
  } finally {
    so.mockRestore();
    se.mockRestore();
    process.exitCode = 0;
  }
}

describe('firedrill report', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firedrill-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders a result.json, then finds the run again by its workflow id', async () => {
    const file = join(dir, 'in.json');
    await writeFile(file, JSON.stringify(passResult({ workflowId: 'wf-1' })));
    const first = await run('report', file, '--format', 'md,json', '--out', join(dir, 'reports'));
    expect(first.code).toBe(0);
    expect(first.out).toContain(join(dir, 'reports', 'zone-a-loss', 'wf-1', 'report.md'));
    const again = await run('report', 'wf-1', '--format', 'html', '--out', join(dir, 'reports'));
    expect(again.out).toContain(join(dir, 'reports', 'zone-a-loss', 'wf-1', 'report.html'));
  });

  it('renders a stored run into another folder: looked up under --from, written to --out', async () => {
    const file = join(dir, 'in.json');
    await writeFile(file, JSON.stringify(passResult({ workflowId: 'wf-2' })));
    await run('report', file, '--format', 'json', '--out', join(dir, 'reports'));
    const copy = await run('report', 'wf-2', '--format', 'md', '--from', join(dir, 'reports'), '--out', join(dir, 'handout'));
    expect(copy.code).toBe(0);
    expect(copy.out).toContain(join(dir, 'handout', 'zone-a-loss', 'wf-2', 'report.md'));
    await expect(readFile(join(dir, 'handout', 'zone-a-loss', 'wf-2', 'report.md'), 'utf8')).resolves.toContain('zone-a-loss');
  });

  it('verify: exit 0 when the hash matches, 1 with both hashes when it does not', async () => {
    const sealed = sealResult(failResult());
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(sealed, null, 2));
    const ok = await run('report', 'verify', good);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`ok: ${good}`);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...sealed, outcome: 'passed' }));
    const mismatch = await run('report', 'verify', bad);
    expect(mismatch.code).toBe(1);
    expect(mismatch.out).toContain(`recorded: ${sealed.evidence!.resultSha256}`);
    expect(mismatch.out).toMatch(/content: {2}[0-9a-f]{64}/);
  });

  it('history --json prints the index (with --out after the subcommand)', async () => {
    const file = join(dir, 'in.json');
    await writeFile(file, JSON.stringify(passResult()));
    await run('report', file, '--format', 'json', '--out', join(dir, 'reports'));
    const h = await run('report', 'history', '--json', '--out', join(dir, 'reports'));
    expect(JSON.parse(h.out).drills[0].drill).toBe('zone-a-loss');
    expect(await readFile(join(dir, 'reports', 'index.html'), 'utf8')).toContain('zone-a-loss');
  });

  it.each([
    [['report', 'verify', 'missing.json'], /cannot read missing\.json: ENOENT/],
    [['report', 'no-such-run', '--out', '.'], /no result for run id "no-such-run"/],
    [['report', 'x.json', '--format', 'docx'], /unknown report format "docx"/],
  ])('bad input %j is a UsageError (one line, exit 2), not a stack trace', async (args, message) => {
    const failure = run(...args.map((a) => (a === '.' ? dir : a)));
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toThrow(message);
  });

  it('a file that is not a result names the problem', async () => {
    const file = join(dir, 'other.json');
    await writeFile(file, '{"kind":"Deployment"}');
    await expect(run('report', 'verify', file)).rejects.toThrow(/not a firedrill result/);
  });
});
