import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFiles } from '../../../cli/commands/validate.js';
import { drillEnv } from '../../../drills/env-substitution.js';
import { BASE, edit, pos, tempDir, type TempDir } from './fixtures/drill.js';

// `firedrill validate` reports schema problems, references, duplicate names and game-day
// references in one run, instead of stopping at the first class of problem.

const env = drillEnv({});
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const day = (...drills: string[]) => [
  'apiVersion: firedrill.dev/v1', 'kind: GameDay', 'metadata:', '  name: test-day', '  owner: platform',
  'drills:', ...drills.map((d) => `  - file: ${d}`), 'approval:', '  required: false', '',
].join('\n');

describe('validate in one pass', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('checks references and duplicate probe names even when a probe is invalid', async () => {
    let text = edit(BASE, '    type: http\n', '    type: http\n    interval: 5ms\n');
    text = edit(text, 'probe: web,', 'probe: webb,');
    text = edit(text, 'name: api-ready', 'name: web');
    const file = await tmp.write('refs.yaml', text);
    const out = await validateFiles([file], { env });
    expect(out.report.files[0]?.problems.map((p) => p.path)).toEqual(['probes[0].interval', 'probes[2].name', 'objectives[0].probe']);
  });

  it('checks drill names across files even when a file has other problems', async () => {
    const good = await tmp.write('name-a.yaml', BASE);
    const bad = await tmp.write('name-b.yaml', edit(BASE, 'hold: 45s', 'hold: 0s'));
    const out = await validateFiles([good, bad], { env });
    expect(out.lines).toEqual([
      `${bad}:4:9 metadata.name: drill name "test-drill" is already used by ${good}`,
      `${bad}:12:9 timing.hold: must be greater than 0 (a duration like 500ms, 90s, 5m, 1h30m or 2h)`,
      '2 problem(s) in 1 file(s)',
    ]);
  });

  it('checks the drill files of a game day that has problems of its own', async () => {
    const file = await tmp.write('day-bad.yaml', `${day('nope.yaml')}pauses: 3\n`);
    const out = await validateFiles([file], { env });
    expect(out.lines).toEqual([
      expect.stringMatching(new RegExp(`^${esc(file)}:7:11 drills\\[0\\]\\.file: nope\\.yaml: no such file$`)),
      expect.stringMatching(new RegExp(`^${esc(file)}:10:1 pauses: unknown field "pauses"$`)),
      '2 problem(s) in 1 file(s)',
    ]);
  });

  it('refuses a drill without objectives, at the objectives key or where it is missing', async () => {
    const empty = edit(BASE, 'objectives:\n  - { type: rto, probe: web, target: 60s }\n  - { type: rpo, probe: orders-rpo, target: 5s }\n', 'objectives: []\n');
    const emptyFile = await tmp.write('objectives-empty.yaml', edit(empty, 'name: test-drill', 'name: empty-objectives'));
    const missing = edit(BASE, 'objectives:\n  - { type: rto, probe: web, target: 60s }\n  - { type: rpo, probe: orders-rpo, target: 5s }\n', '');
    const missingFile = await tmp.write('objectives-missing.yaml', edit(missing, 'name: test-drill', 'name: no-objectives'));
    const out = await validateFiles([emptyFile, missingFile], { env });
    const at = pos(empty, '[]');
    expect(out.lines).toEqual([
      `${emptyFile}:${at.line}:${at.col} objectives: a drill needs at least one objective (rto, rpo, capacity or errorBudget); without one it cannot fail and every run passes`,
      `${missingFile}:1:1 objectives: required field is missing: a drill needs at least one objective (rto, rpo, capacity or errorBudget); without one it cannot fail and every run passes`,
      '2 problem(s) in 2 file(s)',
    ]);
  });

  it('validates a folder: every YAML file under it, game days with their drills, each problem once', async () => {
    const dir = join(tmp.dir, 'catalog');
    await mkdir(join(dir, 'gamedays'), { recursive: true });
    await tmp.write('catalog/a.yaml', edit(BASE, 'name: test-drill', 'name: drill-a'));
    await tmp.write('catalog/b.yml', edit(edit(BASE, 'name: test-drill', 'name: drill-b'), 'hold: 45s', 'hold: 0s'));
    await tmp.write('catalog/notes.txt', 'not a drill');
    await tmp.write('catalog/gamedays/day.yaml', day('../a.yaml', '../b.yml'));
    const out = await validateFiles([dir], { env });
    expect(out.report.files.map((f) => [f.file, f.valid])).toEqual([
      [join(dir, 'a.yaml'), true],
      [join(dir, 'b.yml'), false],
      [join(dir, 'gamedays', 'day.yaml'), false],
    ]);
    expect(out.lines).toEqual([
      `${join(dir, 'b.yml')}:12:9 timing.hold: must be greater than 0 (a duration like 500ms, 90s, 5m, 1h30m or 2h)`,
      `${join(dir, 'gamedays', 'day.yaml')}:8:11 drills[1].file: ../b.yml is not a valid drill (1 problem(s) listed with it)`,
      '2 problem(s) in 2 file(s)',
    ]);
  });

  it('finds the repository\'s drills folder valid, game day included', async () => {
    const drills = fileURLToPath(new URL('../../../drills/', import.meta.url));
    const out = await validateFiles([drills], { env });
    expect(out.report.files.map((f) => f.file.slice(drills.length))).toEqual(expect.arrayContaining(['pangyo-zone-loss.yaml', 'gamedays/zone-rotation-gameday.yaml']));
    expect(out.report.valid).toBe(true);
    expect(out.lines.at(-1)).toBe(`${out.report.files.length} file(s) valid, 2 warning(s)`);
  });
});
