import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGameDaySource } from '../../../drills/gameday/load.js';
import { drillEnv } from '../../../drills/env-substitution.js';
import { parseDrillSource } from '../../../drills/load.js';
import { formatProblem, type Problem } from '../../../drills/positions.js';
import { drillSpecSchema } from '../../../drills/schema/index.js';
import { closest, knownKeys } from '../../../drills/suggest.js';
import { BASE, edit, pos, tempDir, type TempDir } from './fixtures/drill.js';

// What validate says: the closest key for a typo (once, not also "missing"), the allowed values
// and the value given, and never the validation library's own wording.

const env = drillEnv({});
function problems(text: string): Problem[] {
  const r = parseDrillSource(new TextEncoder().encode(text), 'drill.yaml', { env });
  if (r.ok) throw new Error('expected the drill to be invalid');
  return r.problems;
}
const lines = (text: string) => problems(text).map(formatProblem);

describe('closest', () => {
  it.each([
    ['timming', ['timing', 'target'], 'timing'],
    ['tpye', ['type', 'name'], 'type'],
    ['ownr', ['owner'], 'owner'],
    ['minready', ['minReady'], 'minReady'],
    ['rtoo', ['rto', 'rpo'], 'rto'],
    ['Dril', ['Drill', 'GameDay'], 'Drill'],
  ])('%s means %s', (word, candidates, best) => {
    expect(closest(word, candidates)).toBe(best);
  });

  it.each([
    ['retries', ['timeout', 'interval']],
    ['k8s', ['http', 'kubernetes', 'tcp']],
    ['x', ['mode']],
  ])('%s means nothing', (word, candidates) => {
    expect(closest(word, candidates)).toBeUndefined();
  });

  it('reads the allowed keys from the schema, through lists and probe types', () => {
    const value = { probes: [{ type: 'http' }, { type: 'tcp' }] };
    expect(knownKeys(drillSpecSchema, [], value)).toContain('timing');
    expect(knownKeys(drillSpecSchema, ['probes', 1], value)).toEqual(expect.arrayContaining(['host', 'port', 'tolerance']));
    expect(knownKeys(drillSpecSchema, ['probes', 1], value)).not.toContain('url');
    expect(knownKeys(drillSpecSchema, ['probes', 0, 'tolerance'], value)).toEqual(['stableFor', 'allowedFailures']);
  });
});

describe('a typo of a key', () => {
  it('suggests the key it meant once, and does not also call that key missing', () => {
    const text = edit(BASE, 'timing:', 'timming:');
    expect(lines(text)).toEqual([`drill.yaml:${pos(text, 'timming').line}:1 timming: unknown field "timming": did you mean timing?`]);
  });

  it('works for a probe\'s discriminator', () => {
    const text = edit(BASE, '    type: http\n', '    tpye: http\n');
    expect(problems(text).map((p) => [p.path, p.message])).toEqual([['probes[0].tpye', 'unknown field "tpye": did you mean type?']]);
  });

  it('works for a key with a default (nothing is missing then)', () => {
    const text = edit(BASE, '    url: http://127.0.0.1:8080/\n', '    url: http://127.0.0.1:8080/\n    tolerance: { stableFr: 3s }\n');
    expect(problems(text).map((p) => p.message)).toEqual(['unknown field "stableFr": did you mean stableFor?']);
  });

  it('does not suggest a key the mapping already has', () => {
    const text = edit(BASE, '  hold: 45s\n', '  hold: 45s\n  holds: 50s\n');
    expect(problems(text).map((p) => p.message)).toEqual(['unknown field "holds"']);
  });
});

describe('values', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('a wrong kind names Drill and GameDay, echoes the value and suggests the closest', () => {
    const text = edit(BASE, 'kind: Drill', 'kind: Dril');
    expect(lines(text)).toEqual(['drill.yaml:2:7 kind: kind must be Drill (a drill file) or GameDay (a game-day file), got "Dril": did you mean Drill?']);
  });

  it('a document of another kind is judged by its kind alone', () => {
    expect(lines(edit(BASE, 'kind: Drill', 'kind: Deployment'))).toEqual(['drill.yaml:2:7 kind: kind must be Drill (a drill file) or GameDay (a game-day file), got "Deployment"']);
    expect(lines(edit(BASE, 'kind: Drill', 'kind: GameDy'))).toEqual([expect.stringMatching(/got "GameDy": did you mean GameDay\?$/)]);
    expect(lines(edit(BASE, 'kind: Drill', 'kind: GameDay'))).toEqual(['drill.yaml:2:7 kind: this is a game-day file (kind: GameDay), not a drill (kind: Drill)']);
  });

  it('a missing kind says which kinds there are', () => {
    expect(lines(edit(BASE, 'kind: Drill\n', ''))).toEqual([expect.stringMatching(/ kind: required field is missing \(kind must be Drill .* or GameDay .*\)$/)]);
  });

  it('a game day of the wrong kind says so in the same words', () => {
    const day = 'apiVersion: firedrill.dev/v1\nkind: GameDays\nmetadata: { name: d, owner: o }\ndrills: [{ file: a.yaml }]\napproval: {}\n';
    const r = parseGameDaySource(new TextEncoder().encode(day), 'day.yaml');
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([
      'day.yaml:2:7 kind: kind must be Drill (a drill file) or GameDay (a game-day file), got "GameDays": did you mean GameDay?',
    ]);
  });

  it.each([
    ['fault mode', edit(BASE, 'mode: drain', 'mode: drian'), 'fault.mode', 'unknown fault mode "drian": allowed are cordon, drain, power-loss: did you mean drain?'],
    ['objective type', edit(BASE, 'type: rto,', 'type: rtoo,'), 'objectives[0].type', 'unknown objective type "rtoo": allowed are rto, rpo, capacity, errorBudget, failback: did you mean rto?'],
    ['target type', edit(BASE, 'type: zone', 'type: region'), 'target.type', 'unknown target type "region": allowed are zone, cluster, nodes'],
    ['workload kind', edit(BASE, 'kind: Deployment', 'kind: Pod'), 'probes[2].workload.kind', 'unknown workload kind "Pod": allowed are Deployment, StatefulSet, DaemonSet, ReplicaSet'],
    ['report format', edit(BASE, 'formats: [json, md]', 'formats: [json, docx]'), 'report.formats[1]', 'unknown format "docx": allowed are json, md, html, pdf'],
    ['whole number', edit(BASE, 'minReady: 3', 'minReady: 2.5'), 'probes[2].minReady', 'expected a whole number, got 2.5'],
    ['boolean', edit(BASE, '  timezone: Asia/Seoul\n', '  timezone: Asia/Seoul\n  enabled: yes please\n'), 'schedule.enabled', 'expected true or false, got "yes please"'],
    ['empty list', edit(BASE, 'formats: [json, md]', 'formats: []'), 'report.formats', 'formats must list at least one of json, md, html, pdf'],
  ])('%s: says what is allowed and echoes the value', (_name, text, path, message) => {
    expect(problems(text).map((p) => [p.path, p.message])).toEqual([[path, message]]);
  });

  it('never shows the validation library\'s own wording', () => {
    let text = edit(BASE, 'kind: Drill', 'kind: Dril');
    text = edit(text, 'type: kubernetes', 'type: k8s');
    text = edit(text, 'mode: drain', 'mode: 7');
    text = edit(text, 'minReady: 3', 'minReady: 0');
    text = edit(text, '    type: http\n', '');
    text = edit(text, 'timezone: Asia/Seoul', 'timezone: [1]');
    text = edit(text, 'formats: [json, md]', 'formats: json');
    text = edit(text, 'target:\n  type: zone\n  zone: zone-a\n', 'target: {}\n');
    text = `${text}guardrails: { maxErrorBudget: 2, abortAtMaxDuration: 1 }\n`;
    const messages = problems(text).map((p) => p.message);
    expect(messages.length).toBeGreaterThanOrEqual(8);
    for (const m of messages) expect(m).not.toMatch(/Invalid (input|option|discriminator)|Too (small|big)|received|Unrecognized|expected (int|number|string|object|array|boolean)\b/);
  });
});
