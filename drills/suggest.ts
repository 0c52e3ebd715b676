import type { z } from 'zod';
import type { Segment } from './positions.js';

// "did you mean timing?": the closest allowed key or value to a misspelt one, taken from the
// schema itself so that suggestions never drift from what the schema accepts.

/** Edit distance with transpositions ("tpye" is one step from "type"), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/** The candidate a typo most likely meant, or undefined when none is close enough to say so. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // Long words, and words far from everything, are not typos of anything.
  if (word.length === 0 || word.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.min(best.length >= 6 ? 2 : 1, Math.floor(best.length / 2));
  return bestDistance <= allowed ? best : undefined;
}

type Schema = z.core.$ZodType;
type Def = { type: string; [k: string]: unknown };

const defOf = (s: Schema): Def => s._zod.def as unknown as Def;

/** Unwraps defaults, optionals and transforms to the schema that reads the input. */
function unwrap(s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const def = defOf(cur);
    if (def.type === 'pipe') cur = def.in as Schema;
    else if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) cur = def.innerType as Schema;
    else return cur;
  }
  return cur;
}

/** The union member a discriminated value picks, if any. */
function pick(s: Schema, value: unknown): Schema | undefined {
  const def = defOf(s);
  if (def.type !== 'union') return s;
  const key = def.discriminator as string | undefined;
  const options = def.options as Schema[];
  if (!key || value === null || typeof value !== 'object') return undefined;
  const wanted = (value as Record<string, unknown>)[key];
  return options.find((o) => {
    const shape = (defOf(unwrap(o)).shape ?? {}) as Record<string, Schema>;
    const disc = shape[key];
    return disc !== undefined && ((defOf(unwrap(disc)).values ?? []) as unknown[]).includes(wanted);
  });
}

const keysOf = (s: Schema): string[] => {
  const def = defOf(s);
  if (def.type === 'object') return Object.keys((def.shape ?? {}) as object);
  // A union whose member is not known yet (its discriminator is missing): any member's keys.
  if (def.type === 'union') return [...new Set((def.options as Schema[]).flatMap((o) => keysOf(unwrap(o))))];
  return [];
};

/** The keys the schema allows for the mapping at `path` of `input`, in schema order. */
export function knownKeys(schema: Schema, path: readonly Segment[], input: unknown): string[] {
  let s: Schema | undefined = unwrap(schema);
  let value = input;
  for (const seg of path) {
    s = s ? pick(s, value) : undefined;
    if (!s) return [];
    const def = defOf(s);
    if (def.type === 'object') s = ((def.shape ?? {}) as Record<string, Schema>)[String(seg)];
    else if (def.type === 'array') s = def.element as Schema;
    else return [];
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[String(seg)] : undefined;
    s = s ? unwrap(s) : undefined;
  }
  if (!s) return [];
  return keysOf(pick(s, value) ?? s);
}
