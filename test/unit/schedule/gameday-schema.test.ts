import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGameDaySource, loadGameDayFile, parseGameDaySource } from '../../../drills/gameday/load.js';
import { formatProblem } from '../../../drills/positions.js';
import { BASE, edit, pos, tempDir, type TempDir } from '../drills/fixtures/drill.js';

const DAY = `apiVersion: firedrill.dev/v1
kind: GameDay
metadata:
  name: test-day
  owner: platform-team
drills:
  - file: one.yaml
    pauseAfter: 30s
  - file: two.yaml
approval:
  required: true
  timeout: 20m
  approvers: [alice]
`;

const parse = (text: string) => parseGameDaySource(new TextEncoder().encode(text), 'day.yaml');
const problems = (text: string) => {
  const r = parse(text);
  if (r.ok) throw new Error('expected the game day to be invalid');
  return r.problems.map(formatProblem);
};

describe('game-day schema', () => {
  it('parses a valid game day, durations in ms', () => {
    const r = parse(DAY);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.day.drills).toEqual([{ file: 'one.yaml', pauseAfter: 30_000 }, { file: 'two.yaml' }]);
    expect(r.day.approval).toEqual({ required: true, timeout: 1_200_000, quorum: 1, approvers: ['alice'] });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('points at a bad duration with line:col and field path', () => {
    const text = edit(DAY, 'pauseAfter: 30s', 'pauseAfter: soon');
    const at = pos(text, 'soon');
    expect(problems(text)).toEqual([`day.yaml:${at.line}:${at.col} drills[0].pauseAfter: "soon" is not a duration like 500ms, 90s, 5m, 1h30m or 2h`]);
  });

  it('reports unknown fields at their key, with the known key a typo meant', () => {
    const text = edit(edit(DAY, '  owner: platform-team\n', '  ownr: platform-team\n'), '  - file: two.yaml\n', '  - file: two.yaml\n    retries: 3\n');
    const out = problems(text);
    const ownr = pos(text, 'ownr');
    const retries = pos(text, 'retries');
    // A typo of a required key is reported once, with the key it meant, not also as missing.
    expect(out).toEqual([
      `day.yaml:${ownr.line}:${ownr.col} metadata.ownr: unknown field "ownr": did you mean owner?`,
      `day.yaml:${retries.line}:${retries.col} drills[1].retries: unknown field "retries"`,
    ]);
  });

  it('requires the approval block, at least one drill, YAML drill files and the GameDay kind', () => {
    expect(problems(DAY.replace(/approval:[\s\S]*$/, ''))).toEqual([expect.stringMatching(/^day\.yaml:1:1 approval: required field is missing/)]);
    expect(problems(edit(DAY, '  - file: one.yaml\n    pauseAfter: 30s\n  - file: two.yaml\n', '  []\n').replace('drills:\n  []', 'drills: []')))
      .toEqual([expect.stringMatching(/drills: a game day lists at least one drill/)]);
    const txt = edit(DAY, 'file: two.yaml', 'file: two.json');
    const at = pos(txt, 'two.json');
    expect(problems(txt)).toEqual([`day.yaml:${at.line}:${at.col} drills[1].file: file must name a drill YAML file (.yaml or .yml)`]);
    expect(problems(edit(DAY, 'kind: GameDay', 'kind: Drill'))).toEqual([expect.stringMatching(/^day\.yaml:2:7 kind: /)]);
  });

  it('reports YAML syntax errors and extra documents with their position', () => {
    expect(problems(`${DAY}---\nkind: GameDay\n`)).toEqual([expect.stringMatching(/^day\.yaml:14:1 \(root\): found 2 YAML documents/)]);
    expect(problems('drills: [one.yaml\n')[0]).toMatch(/^day\.yaml:\d+:\d+ \(root\): YAML: /);
  });

  it('tells game days from drills by their top-level kind', () => {
    expect(isGameDaySource(DAY)).toBe(true);
    expect(isGameDaySource('kind: "GameDay" # a day\n')).toBe(true);
    expect(isGameDaySource(BASE)).toBe(false);
    expect(isGameDaySource('metadata:\n  kind: GameDay\n')).toBe(false);
  });
});

describe('game-day loader', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
    await tmp.write('one.yaml', BASE);
    await tmp.write('two.yaml', edit(BASE, 'name: test-drill', 'name: second-drill'));
    await tmp.write('bad.yaml', edit(BASE, 'hold: 45s', 'hold: 0s'));
  });
  afterAll(() => tmp.remove());

  it('loads every drill relative to the game-day file, in order', async () => {
    const file = await tmp.write('day.yaml', DAY);
    const r = await loadGameDayFile(file);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.drills.map((d) => [d.file, d.spec.metadata.name, d.pauseAfterMs])).toEqual([['one.yaml', 'test-drill', 30_000], ['two.yaml', 'second-drill', undefined]]);
    expect(r.drills[0]?.path).toBe(`${tmp.dir}/one.yaml`);
  });

  it('reports a missing drill file at its file: line, and an invalid drill with its own problems', async () => {
    const text = edit(edit(DAY, 'file: one.yaml', 'file: nope.yaml'), 'file: two.yaml', 'file: bad.yaml');
    const file = await tmp.write('day2.yaml', text);
    const r = await loadGameDayFile(file);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const nope = pos(text, 'nope.yaml');
    const bad = pos(text, 'bad.yaml');
    expect(r.problems.map(formatProblem)).toEqual([
      `${file}:${nope.line}:${nope.col} drills[0].file: nope.yaml: no such file`,
      `${file}:${bad.line}:${bad.col} drills[1].file: bad.yaml is not a valid drill (1 problem(s) listed with it)`,
      `${tmp.dir}/bad.yaml:12:9 timing.hold: must be greater than 0 (a duration like 500ms, 90s, 5m, 1h30m or 2h)`,
    ]);
  });

  it('loads the example game day of the catalog', async () => {
    const r = await loadGameDayFile(fileURLToPath(new URL('../../../drills/gamedays/zone-rotation-gameday.yaml', import.meta.url)));
    expect(r.ok ? r.drills.map((d) => d.spec.metadata.name) : r.problems.map(formatProblem))
      .toEqual(['quarterly-zone-rotation-zone-b', 'quarterly-zone-rotation-zone-c']);
  });
});
