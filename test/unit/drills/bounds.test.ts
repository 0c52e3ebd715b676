import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDrillFile, loadDrillFiles } from '../../../drills/load.js';
import { formatProblem } from '../../../drills/positions.js';
import { MAX_DRILL_BYTES } from '../../../drills/yaml-read.js';
import { BASE, edit, pos, problemsOf, tempDir, type TempDir } from './fixtures/drill.js';

// File-level failures: what arrives before (or instead of) a YAML mapping. Each one must be a
// Problem with a position, never an exception, and none may cost more than a bounded effort.

const ALIAS_BOMB = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

describe('loading drill files', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('returns the parsed spec, the source and the sha256 of the raw bytes', async () => {
    const file = await tmp.write('ok.yaml', BASE);
    const r = await loadDrillFile(file);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.source).toBe(BASE);
    expect(r.sha256).toBe(createHash('sha256').update(BASE).digest('hex'));
    expect(r.spec.metadata.name).toBe('test-drill');
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = await tmp.write('bom.yaml', `\uFEFF${BASE}`);
    expect((await loadDrillFile(file)).ok).toBe(true);
  });

  it('refuses a YAML alias bomb quickly, pointing at the first alias', async () => {
    const started = performance.now();
    const problems = await problemsOf(tmp, ALIAS_BOMB);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: '', ...pos(ALIAS_BOMB, '*a') });
    expect(problems[0]?.message).toMatch(/too many YAML alias expansions \(limit 100\).*alias bomb/);
  });

  it('accepts a few ordinary aliases', async () => {
    let text = edit(BASE, '    url: http://127.0.0.1:8080/\n', '    url: &web http://127.0.0.1:8080/\n');
    text = edit(text, '    readUrl: http://127.0.0.1:8080/markers\n', '    readUrl: *web\n');
    const r = await loadDrillFile(await tmp.write('aliases.yaml', text));
    expect(r.ok && r.spec.probes[1]).toMatchObject({ type: 'rpo', readUrl: 'http://127.0.0.1:8080/' });
  });

  it('refuses a file over 1 MiB before parsing it', async () => {
    const text = `# ${'x'.repeat(MAX_DRILL_BYTES)}\n${BASE}`;
    const problems = await problemsOf(tmp, text);
    expect(problems).toEqual([
      expect.objectContaining({ line: 1, col: 1, path: '', message: expect.stringMatching(/too large \(\d+ bytes\): .* at most 1 MiB/) }),
    ]);
  });

  it('reads a file of exactly 1 MiB', async () => {
    const padding = MAX_DRILL_BYTES - Buffer.byteLength(BASE) - 3;
    const text = `${BASE}# ${'x'.repeat(padding)}\n`;
    expect(Buffer.byteLength(text)).toBe(MAX_DRILL_BYTES);
    expect((await loadDrillFile(await tmp.write('exact.yaml', text))).ok).toBe(true);
  });

  it('refuses bytes that are not UTF-8, at the offending byte', async () => {
    const [head, tail] = BASE.split('platform-team');
    const bytes = Buffer.concat([Buffer.from(`${head}platform`), Buffer.from([0xff]), Buffer.from(`-team${tail}`)]);
    const problems = await problemsOf(tmp, bytes);
    expect(problems).toEqual([
      { file: `${tmp.dir}/drill.yaml`, line: 5, col: 18, path: '', message: expect.stringMatching(/not UTF-8 text \(byte 0xFF at offset \d+\)/) },
    ]);
  });

  it('refuses a truncated multi-byte sequence (Latin-1 "é")', async () => {
    const bytes = Buffer.from('apiVersion: firedrill.dev/v1\nkind: Drill\n# caf\xe9\n', 'latin1');
    const problems = await problemsOf(tmp, bytes);
    expect(problems[0]).toMatchObject({ line: 3, col: 6, message: expect.stringMatching(/UTF-8/) });
  });

  it('says "no such file" for a missing file', async () => {
    const file = join(tmp.dir, 'nope.yaml');
    const r = await loadDrillFile(file);
    expect(r).toEqual({ ok: false, problems: [{ file, line: 1, col: 1, path: '', message: 'no such file' }] });
    const problem = r.ok ? undefined : r.problems[0];
    expect(problem && formatProblem(problem)).toBe(`${file}:1:1 (root): no such file`);
  });

  it('refuses a directory', async () => {
    const dir = join(tmp.dir, 'a-dir.yaml');
    await mkdir(dir);
    const r = await loadDrillFile(dir);
    expect(r.ok ? [] : r.problems).toEqual([{ file: dir, line: 1, col: 1, path: '', message: 'is a directory, not a drill file' }]);
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO without blocking on it', async () => {
    const fifo = join(tmp.dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await loadDrillFile(fifo);
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual(['is not a regular file']);
  });

  it.each([
    ['unclosed quote', edit(BASE, 'cron: "0 3 1 */3 *"', 'cron: "0 3 1 */3 *'), '', { line: 30, col: 21 }, /Missing closing "quote/],
    ['bad indentation', edit(BASE, '  maxDuration: 10m', ' maxDuration: 10m'), '', { line: 13, col: 1 }, /All mapping items must start at the same column/],
    ['unknown tag', edit(BASE, 'hold: 45s', 'hold: !duration 45s'), '', { line: 12, col: 9 }, /Unresolved tag: !duration/],
    ['duplicate key', edit(BASE, '  hold: 45s\n', '  hold: 45s\n  hold: 50s\n'), 'timing.hold', { line: 13, col: 3 }, /duplicate key "hold"/],
    ['duplicate key in a list item', edit(BASE, '    minReady: 3\n', '    minReady: 3\n    name: api\n'), 'probes[2].name', { line: 26, col: 5 }, /duplicate key "name"/],
  ])('reports a YAML error (%s) at its line and column', async (_name, text, path, at, message) => {
    const problems = await problemsOf(tmp, text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path, ...at, message: expect.stringMatching(message) });
    expect(problems[0]?.message).toMatch(/^YAML: /);
  });

  it('refuses several YAML documents, pointing at the second one', async () => {
    const problems = await problemsOf(tmp, `${BASE}---\n${BASE}`);
    expect(problems).toEqual([expect.objectContaining({ line: 38, col: 1, path: '', message: expect.stringMatching(/found 2 YAML documents: a drill file holds exactly one/) })]);
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing here yet\n\n'],
  ])('refuses %s', async (_name, text) => {
    const problems = await problemsOf(tmp, text);
    expect(problems).toEqual([expect.objectContaining({ line: 1, col: 1, path: '', message: expect.stringMatching(/the file is empty/) })]);
  });

  it('refuses a document that is not a mapping', async () => {
    const problems = await problemsOf(tmp, '- a\n- b\n');
    expect(problems).toEqual([expect.objectContaining({ line: 1, col: 1, path: '', message: 'expected a mapping, got a list' })]);
  });

  // Without these guards, 1 MiB of "[" takes the parser past a gigabyte of memory, and a
  // mapping of 100,000 keys takes minutes (the duplicate-key check is quadratic).
  it.each([
    ['open brackets', `a: ${'['.repeat(MAX_DRILL_BYTES - 10)}`, { line: 1, col: 67 }],
    ['nested block sequences', `probes:\n  ${'- '.repeat(400_000)}x\n`, { line: 2, col: 131 }],
    ['compact nested mappings', `${'a: '.repeat(300_000)}x\n`, { line: 1, col: 194 }],
  ])('refuses absurd nesting (%s) before parsing', async (_name, text, at) => {
    const started = performance.now();
    const problems = await problemsOf(tmp, text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(problems).toEqual([expect.objectContaining({ ...at, path: '', message: expect.stringMatching(/nesting is deeper than 64 levels/) })]);
  });

  it('refuses a document with an absurd number of tokens before parsing', async () => {
    const text = Array.from({ length: 60_000 }, (_, i) => `k${i}: 1\n`).join('');
    const started = performance.now();
    const problems = await problemsOf(tmp, text);
    expect(performance.now() - started).toBeLessThan(2000);
    // A document-start token, then seven a line ("\x1f", "k0", ":", " ", "\x1f", "1", "\n"):
    // token 100,001 is the scalar marker before the "1" of line 14,286 ("k14285: 1").
    expect(problems).toEqual([
      expect.objectContaining({ path: '', line: 14_286, col: 9, message: expect.stringMatching(/more than 100000 YAML tokens/) }),
    ]);
  });

  it('lists at most 50 problems, then counts the rest', async () => {
    const text = `${BASE}${Array.from({ length: 300 }, (_, i) => `extra${i}: 1\n`).join('')}`;
    const problems = await problemsOf(tmp, text);
    expect(problems).toHaveLength(50);
    expect(problems[48]).toMatchObject({ path: 'extra48', line: 38 + 48 });
    expect(problems[49]?.message).toBe('... and 251 more problem(s)');
  });

  it('loads several files, in order, each with its own verdict', async () => {
    const good = await tmp.write('many-good.yaml', BASE);
    const bad = await tmp.write('many-bad.yaml', edit(BASE, 'hold: 45s', 'hold: 0s'));
    const missing = join(tmp.dir, 'many-missing.yaml');
    const results = await loadDrillFiles([good, bad, missing]);
    expect(results.map((r) => [r.file, r.ok])).toEqual([
      [good, true],
      [bad, false],
      [missing, false],
    ]);
  });
});
