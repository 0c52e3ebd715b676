import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadDrillFile } from '../../../drills/load.js';
import { BASE, tempDir, type TempDir } from './fixtures/drill.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

function paths(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

interface Mutation {
  pick: number;
  op: 'delete' | 'set' | 'rename';
  value: Json;
  name: string;
}

/** Applies random deletions, replacements and key renames to a copy of a valid drill. */
function mutate(base: Json, mutations: Mutation[]): Json {
  const doc = structuredClone(base);
  for (const m of mutations) {
    const all = paths(doc);
    const path = all[m.pick % all.length];
    if (!path) continue;
    let parent = doc as Record<string | number, Json>;
    for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, Json>;
    const last = path[path.length - 1] as string | number;
    if (m.op === 'set') parent[last] = m.value;
    else if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else {
      const old = parent[last] as Json;
      delete parent[last];
      if (m.op === 'rename') parent[m.name] = old;
    }
  }
  return doc;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('delete', 'set', 'rename'),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, fc.constantFrom<Json>('0s', '-1s', '1h', '', 'zone', 'rpo', 'cluster')),
  name: fc.string({ maxLength: 12 }),
});

const input: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.uint8Array({ maxLength: 400 }),
  fc.array(fc.constantFrom('a: ', '- ', '[', ']', '{', '}', '&x ', '*x', '!!str ', '---\n', '\n', '  ', '"', "'", '#', '? ', ': ', ', ', 'x'), { maxLength: 80 }).map((parts) => parts.join('')),
  fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => stringify(mutate(parse(BASE) as Json, ms))),
);

describe('loadDrillFile on arbitrary input', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('never throws, and either loads or reports problems with a position', async () => {
    let run = 0;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(input, async (content) => {
        const file = await tmp.write(`p${run++ % 8}.yaml`, content);
        const r = await loadDrillFile(file);
        if (r.ok) {
          loaded++;
          expect(JSON.parse(JSON.stringify(r.spec))).toEqual(r.spec);
          return;
        }
        expect(r.problems.length).toBeGreaterThanOrEqual(1);
        for (const p of r.problems) {
          expect(p.file).toBe(file);
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.col).toBeGreaterThanOrEqual(1);
          expect(typeof p.path).toBe('string');
          expect(p.message.length).toBeGreaterThan(0);
          // The loader's last-resort catch would hide a bug: no input may reach it.
          expect(p.message).not.toMatch(/^cannot parse the drill file/);
        }
      }),
      { numRuns: 1000 },
    );
    // Some mutations (e.g. deleting an optional field) leave a valid drill: both branches ran.
    expect(loaded).toBeGreaterThan(0);
  }, 60_000);
});
