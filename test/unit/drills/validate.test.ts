import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerValidate, validateFiles } from '../../../cli/commands/validate.js';
import { BASE, edit, tempDir, type TempDir } from './fixtures/drill.js';

describe('firedrill validate', () => {
  let tmp: TempDir;
  let good: string;
  let bad: string;
  beforeAll(async () => {
    tmp = await tempDir();
    good = await tmp.write('good.yaml', BASE);
    bad = await tmp.write('bad.yaml', edit(edit(BASE, 'hold: 45s', 'hold: 0s'), 'name: test-drill', 'name: other-drill'));
  });
  afterAll(() => tmp.remove());

  it('prints a summary and exits 0 when every file is valid', async () => {
    expect(await validateFiles([good])).toMatchObject({ exitCode: 0, lines: ['1 file(s) valid'] });
  });

  it('prints file:line:col path: reason per problem and exits 1', async () => {
    const missing = join(tmp.dir, 'missing.yaml');
    const out = await validateFiles([good, bad, missing]);
    expect(out.exitCode).toBe(1);
    expect(out.lines).toEqual([
      `${bad}:12:9 timing.hold: must be greater than 0 (a duration like 500ms, 90s, 5m, 1h30m or 2h)`,
      `${missing}:1:1 (root): no such file`,
      '2 problem(s) in 2 file(s)',
    ]);
  });

  it('prints one JSON document with --json', async () => {
    const out = await validateFiles([good, bad], { json: true });
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0] ?? '')).toEqual({
      valid: false,
      files: [
        { file: good, valid: true, problems: [], warnings: [] },
        {
          file: bad,
          valid: false,
          problems: [{ file: bad, line: 12, col: 9, path: 'timing.hold', message: expect.stringMatching(/greater than 0/) }],
          warnings: [],
        },
      ],
    });
  });

  it('warns, at safety.protectedNamespaces, that a power loss kills protected pods, and stays valid', async () => {
    const power = await tmp.write('power.yaml', `${edit(BASE, 'mode: drain', 'mode: power-loss')}safety:\n  protectedNamespaces: [kube-system, ops]\n`);
    const out = await validateFiles([power]);
    expect(out.exitCode).toBe(0);
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]?.startsWith(`${power}:`)).toBe(true);
    expect(out.lines[0]).toMatch(/:\d+:\d+ safety\.protectedNamespaces: warning: fault power-loss taints NoExecute.*\(kube-system, ops\)/);
    expect(out.lines[1]).toBe('1 file(s) valid, 1 warning(s)');
    // A drain honours protected namespaces: no warning.
    expect((await validateFiles([good])).lines).toEqual(['1 file(s) valid']);
  });

  it('checks game-day files with the drills they name, next to drill files', async () => {
    const day = (drill: string, extra = '') => [
      'apiVersion: firedrill.dev/v1', 'kind: GameDay', 'metadata:', '  name: test-day', '  owner: platform',
      'drills:', `  - file: ${drill}`, 'approval:', '  required: false', extra,
    ].join('\n');
    const okDay = await tmp.write('day.yaml', day('good.yaml'));
    expect(await validateFiles([good, okDay])).toMatchObject({ exitCode: 0, lines: ['2 file(s) valid'] });
    const badDay = await tmp.write('bad-day.yaml', day('good.yaml', 'pauses: 3'));
    const out = await validateFiles([badDay]);
    expect(out.exitCode).toBe(1);
    expect(out.lines[0]).toMatch(new RegExp(`^${badDay.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:1 pauses: unknown field`));
  });

  it('refuses two files that declare the same drill name, at the second name', async () => {
    const twin = await tmp.write('twin.yaml', edit(BASE, 'owner: platform-team', 'owner: someone-else'));
    const out = await validateFiles([good, twin]);
    expect(out.exitCode).toBe(1);
    expect(out.lines[0]).toBe(`${twin}:4:9 metadata.name: drill name "test-drill" is already used by ${good}`);
  });

  it('checks a file named twice only once', async () => {
    expect(await validateFiles([good, good])).toMatchObject({ exitCode: 0, lines: ['1 file(s) valid'] });
  });

  describe('as a command', () => {
    const exitCode = process.exitCode;
    afterEach(() => {
      process.exitCode = exitCode;
      vi.restoreAllMocks();
    });

    function program(out: string[]): Command {
      const p = new Command().exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => out.push(s) });
      registerValidate(p);
      return p;
    }

    it('writes the lines to stdout and sets the exit code', async () => {
      const written: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      });
      await program([]).parseAsync(['node', 'firedrill', 'validate', '--json', good, bad]);
      expect(process.exitCode).toBe(1);
      expect(JSON.parse(written.join(''))).toMatchObject({ valid: false, files: [{ valid: true }, { valid: false }] });
    });

    it('explains the exit codes in --help', async () => {
      const out: string[] = [];
      const err = await program(out).parseAsync(['node', 'firedrill', 'validate', '--help']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommanderError);
      const help = out.join('');
      expect(help).toMatch(/validate \[options\] <files\.\.\.>/);
      expect(help).toMatch(/0 {2}every file is a valid drill/);
      expect(help).toMatch(/1 {2}at least one file is invalid/);
      expect(help).toMatch(/file:line:col field\.path: reason/);
    });
  });
});
