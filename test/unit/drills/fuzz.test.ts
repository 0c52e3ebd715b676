import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateFiles } from '../../../cli/commands/validate.js';
import { parseDrillSource } from '../../../drills/load.js';
import type { Problem } from '../../../drills/positions.js';
import { hostileString } from '../../support/hostile.js';
import { BASE, tempDir, type TempDir } from './fixtures/drill.js';

// Schema-aware fuzzing of the drill loader and of `firedrill validate` (drill and game-day files
// together): valid documents with hostile values put at any of their fields, extra fields and
// broken references. property.test.ts covers arbitrary bytes and structural mutations.

const RUNS = 1000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

function paths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function setAt(doc: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  let parent = doc as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, Json>;
  parent[path[path.length - 1]!] = value;
  return doc;
}

const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, 0, -1, 1e308, 0.5, '', [], {}, ['<script>'], { '<k>': '</svg>' }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
);

/** BASE with hostile values at random places (a leaf, a section, or a new key). */
const hostileDrill = (base: Json): fc.Arbitrary<string> => fc
  .array(fc.tuple(fc.nat(), hostileValue, fc.option(hostileString, { freq: 3 })), { minLength: 1, maxLength: 5 })
  .map((edits) => {
    const doc = structuredClone(base);
    for (const [pick, value, newKey] of edits) {
      const all = paths(doc).filter((p) => p.length > 0);
      const at = all[pick % all.length]!;
      // A copy: constantFrom hands out the same object each time, which could end up inside itself.
      setAt(doc, newKey === null ? at : [...at.slice(0, -1), newKey], structuredClone(value));
    }
    return stringify(doc);
  });

function checkProblems(problems: Problem[], files: string[], lines: number): void {
  for (const p of problems) {
    expect(files).toContain(p.file);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lines + 1);
    expect(p.col).toBeGreaterThanOrEqual(1);
    expect(p.message.length).toBeGreaterThan(0);
    // The last-resort catches would hide a bug: no input may reach them.
    expect(p.message).not.toMatch(/^cannot parse the (drill|game-day) file/);
  }
}

describe(`drill loader and validate on ${RUNS} generated hostile documents`, () => {
  const base = parse(BASE) as Json;
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('parseDrillSource: never throws, loads or locates every problem', () => {
    let loaded = 0;
    fc.assert(fc.property(hostileDrill(base), (source) => {
      const r = parseDrillSource(new TextEncoder().encode(source), 'fuzz.yaml');
      if (r.ok) {
        loaded++;
        expect(JSON.parse(JSON.stringify(r.spec))).toEqual(r.spec);
      } else {
        expect(r.problems.length).toBeGreaterThanOrEqual(1);
        checkProblems(r.problems, ['fuzz.yaml'], source.split('\n').length);
      }
    }), { numRuns: RUNS });
    // Some hostile values land in free-text fields (description, owner): both branches ran.
    expect(loaded).toBeGreaterThan(0);
  });

  it('validate: never throws for drill and game-day files together; exit code, lines and JSON agree', async () => {
    const day = (drills: Json, extra: Record<string, Json>): Json => ({
      apiVersion: 'firedrill.dev/v1', kind: 'GameDay', metadata: { name: 'day', owner: 'team' },
      drills, approval: { required: false }, ...extra,
    });
    const dayDoc = fc.tuple(
      fc.array(fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom<Json>({ file: 'd0.yaml' }, { file: 'd1.yaml' }, { file: 'missing.yaml' }, { file: '../d0.yaml' }, { file: 'day.yaml' }, { file: 'd0.yaml', pauseAfter: '1m' }) },
        { weight: 1, arbitrary: hostileString.map((file): Json => ({ file: `${file}.yaml` })) },
        { weight: 1, arbitrary: hostileValue },
      ), { maxLength: 4 }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('metadata', 'approval', 'apiVersion', 'extra'), hostileValue, { maxKeys: 2 }) },
      ),
    ).map(([drills, extra]) => stringify(day(drills, extra)));

    let run = 0;
    let dayChecked = 0;
    await fc.assert(fc.asyncProperty(hostileDrill(base), hostileDrill(base), dayDoc, fc.boolean(), async (d0, d1, dayText, json) => {
      const dir = `r${run++ % 4}`;
      const files = [
        await tmp.write(`${dir}-d0.yaml`, d0),
        await tmp.write(`${dir}-d1.yaml`, d1),
        await tmp.write(`${dir}-day.yaml`, dayText.replace(/\bd([01])\.yaml\b/g, `${dir}-d$1.yaml`)),
      ];
      const out = await validateFiles(files, { json });
      expect([0, 1]).toContain(out.exitCode);
      expect(out.exitCode === 0).toBe(out.report.valid);
      expect(out.report.files.map((f) => f.file).sort()).toEqual([...files].sort());
      const lines = Math.max(d0.split('\n').length, d1.split('\n').length, dayText.split('\n').length);
      for (const f of out.report.files) {
        expect(f.valid).toBe(f.problems.length === 0);
        checkProblems(f.problems, files, lines);
      }
      const dayVerdict = out.report.files.find((f) => f.file === files[2]);
      if (dayVerdict?.valid || dayVerdict?.problems.some((p) => /is not a valid drill|no such file/.test(p.message))) dayChecked++;
      if (json) expect(JSON.parse(out.lines.join('\n'))).toEqual(JSON.parse(JSON.stringify(out.report)));
      else expect(out.lines.at(-1)).toMatch(/^(\d+ file\(s\) valid|\d+ problem\(s\) in \d+ file\(s\))$/);
    }), { numRuns: RUNS });
    // Game days were parsed as such and their drill references followed.
    expect(dayChecked).toBeGreaterThan(RUNS / 10);
  }, 120_000);
});
