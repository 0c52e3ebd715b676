import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { findNode, formatPath, type Problem, type Segment } from './positions.js';
import { closest, knownKeys } from './suggest.js';

// Schema problems in the words of the drill file, not of the validation library: what the field
// is, which values it allows, the value that was given, and the closest allowed one when it
// looks like a typo. Messages the schema writes itself are kept as they are.

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const KINDS = ['Drill', 'GameDay'];

/** A value as the person wrote it, short enough for one line. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') {
    const text = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return JSON.stringify(text);
  }
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const TYPES: Record<string, string> = {
  object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', int: 'a whole number',
  boolean: 'true or false', date: 'a date', null: 'an empty value',
};

/** `probes[2].type` reads "probe type", `fault.mode` "fault mode", `report.formats[1]` "format". */
function fieldName(path: readonly PropertyKey[]): string {
  const names = path.filter((s): s is string => typeof s === 'string');
  const last = path[path.length - 1];
  const singular = (s: string | undefined) => (s && s.length > 3 && s.endsWith('s') ? s.slice(0, -1) : s);
  if (typeof last === 'number') return singular(names[names.length - 1]) ?? 'item';
  const key = names[names.length - 1] ?? 'value';
  const parent = singular(names[names.length - 2]);
  return parent ? `${parent} ${key}` : key;
}

const list = (values: readonly unknown[]) => values.map((v) => String(v)).join(', ');
const didYouMean = (input: unknown, values: readonly unknown[]) => {
  if (typeof input !== 'string') return '';
  const best = closest(input, values.map(String));
  return best && best !== input ? `: did you mean ${best}?` : '';
};

/** A top-level kind that is neither Drill nor GameDay: both are named, and the closer one suggested. */
export function kindMessage(input: unknown): string {
  const hint = didYouMean(input, KINDS);
  const what = 'kind must be Drill (a drill file) or GameDay (a game-day file)';
  return input === undefined ? `required field is missing (${what})` : `${what}, got ${shown(input)}${hint}`;
}

/**
 * An error map for safeParse: zod calls it only for issues whose schema gave no message.
 * Every code the drill schemas can raise has a sentence here.
 */
export function describeIssue(iss: RawIssue): string {
  const path = iss.path ?? [];
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type': {
      const expected = TYPES[iss.expected] ?? iss.expected;
      if (input === undefined) return `required field is missing (expected ${expected})`;
      return `expected ${expected}, got ${shown(input)}`;
    }
    case 'invalid_value': {
      if (path.length === 1 && path[0] === 'kind') return kindMessage(input);
      const name = fieldName(path);
      if (iss.values.length === 1) {
        const only = String(iss.values[0]);
        return input === undefined ? `required field is missing (${name}: ${only})` : `${name} must be ${only}, got ${shown(input)}`;
      }
      if (input === undefined) return `required field is missing (${name}: one of ${list(iss.values)})`;
      return `unknown ${name} ${shown(input)}: allowed are ${list(iss.values)}${didYouMean(input, iss.values)}`;
    }
    case 'invalid_union': {
      const disc = (iss as { discriminator?: string }).discriminator;
      const options = (iss as { options?: unknown[] }).options;
      if (disc && options) {
        const name = fieldName(path);
        const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[disc] : undefined;
        if (value === undefined) return `required field is missing (${name}: one of ${list(options)})`;
        return `unknown ${name} ${shown(value)}: allowed are ${list(options)}${didYouMean(value, options)}`;
      }
      return `${shown(input)} matches none of the allowed forms of ${fieldName(path)}`;
    }
    case 'too_small':
    case 'too_big':
      return sizeMessage(iss, input);
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}, got ${shown(input)}`;
    case 'invalid_format':
      return `${shown(input)} is not a valid ${iss.format}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return `invalid ${fieldName(path)}: ${shown(input)}`;
  }
}

function sizeMessage(iss: Extract<RawIssue, { code: 'too_small' | 'too_big' }>, input: unknown): string {
  const small = iss.code === 'too_small';
  const bound = Number(small ? (iss as { minimum: number | bigint }).minimum : (iss as { maximum: number | bigint }).maximum);
  const inclusive = iss.inclusive !== false;
  if (iss.origin === 'array' || iss.origin === 'set') {
    return `must list ${small ? 'at least' : 'at most'} ${bound} item(s), got ${Array.isArray(input) ? input.length : shown(input)}`;
  }
  if (iss.origin === 'string') {
    if (small && bound === 1) return 'must not be empty';
    const length = typeof input === 'string' ? input.length : 0;
    return `must be ${small ? 'at least' : 'at most'} ${bound} characters long, got ${length}`;
  }
  const rule = small ? (inclusive ? 'at least' : 'greater than') : (inclusive ? 'at most' : 'less than');
  return `must be ${rule} ${bound}, got ${shown(input)}`;
}

export interface IssueContext {
  schema: z.core.$ZodType;
  doc: Document;
  lineCounter: LineCounter;
  /** The plain data the schema read. */
  value: unknown;
  file: string;
}

const segments = (path: readonly PropertyKey[]): Segment[] => path.filter((k): k is Segment => typeof k !== 'symbol');
/** An absent field; a discriminated union reports its absent discriminator with the mapping as input. */
function isMissing(i: Issue): boolean {
  const input = (i as { input?: unknown }).input;
  const disc = (i as { discriminator?: string }).discriminator;
  if (i.code === 'invalid_union' && disc) return input === null || typeof input !== 'object' || (input as Record<string, unknown>)[disc] === undefined;
  return (i.code === 'invalid_type' || i.code === 'invalid_value' || i.code === 'invalid_union') && input === undefined;
}

function at(value: unknown, path: readonly Segment[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/**
 * Turns zod issues (parsed with `error: describeIssue, reportInput: true`) into located problems.
 * An unknown key close to an allowed one says "did you mean ...?" once, and the missing-field
 * problem of the key it meant is dropped: both describe the same typo.
 */
export function locateIssues(issues: readonly Issue[], ctx: IssueContext, limit = Infinity): { problems: Problem[]; total: number } {
  const { doc, lineCounter: lc, file } = ctx;
  const meant = new Set<string>();
  const units: Array<() => Problem> = [];
  for (const issue of issues) {
    const path = segments(issue.path);
    if (issue.code !== 'unrecognized_keys') continue;
    const here = at(ctx.value, path);
    const present = new Set(here !== null && typeof here === 'object' ? Object.keys(here) : []);
    const candidates = knownKeys(ctx.schema, path, ctx.value).filter((k) => !present.has(k));
    for (const key of issue.keys) {
      const best = closest(key, candidates);
      if (best) meant.add(formatPath([...path, best]));
      units.push(() => {
        const found = findNode(doc, [...path, key], { preferKey: true });
        const message = best ? `unknown field "${key}": did you mean ${best}?` : `unknown field "${key}"`;
        return { file, ...lc.linePos(found.offset), path: formatPath([...path, key]), message };
      });
    }
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const path = segments(issue.path);
    if (isMissing(issue) && meant.has(formatPath(path))) continue;
    // A union reports no unknown keys before its discriminator is known ("tpye: http"): the
    // missing discriminator is then found as a typo among the keys the mapping has.
    const typo = isMissing(issue) ? strayTypo(path, ctx) : undefined;
    if (typo) {
      units.push(() => {
        const found = findNode(doc, typo.path, { preferKey: true });
        return { file, ...lc.linePos(found.offset), path: formatPath(typo.path), message: `unknown field "${typo.key}": did you mean ${typo.meant}?` };
      });
      continue;
    }
    units.push(() => {
      const found = findNode(doc, path);
      return { file, ...lc.linePos(found.offset), path: formatPath(path), message: found.exact ? issue.message : missingMessage(issue) };
    });
  }
  // Locating costs a walk per problem: only the first ones are located.
  return { problems: units.slice(0, limit).map((locate) => locate()), total: units.length };
}

function strayTypo(path: readonly Segment[], ctx: IssueContext): { path: Segment[]; key: string; meant: string } | undefined {
  const meant = path[path.length - 1];
  const parent = path.slice(0, -1);
  const here = at(ctx.value, parent);
  if (typeof meant !== 'string' || here === null || typeof here !== 'object' || Array.isArray(here)) return undefined;
  const allowed = new Set(knownKeys(ctx.schema, parent, ctx.value));
  const key = Object.keys(here).find((k) => !allowed.has(k) && closest(k, [meant]) === meant);
  return key === undefined ? undefined : { path: [...parent, key], key, meant };
}

/** A field absent from the file is missing, whatever the schema's own message says. */
function missingMessage(issue: Issue): string {
  if (issue.message.startsWith('required field is missing')) return issue.message;
  if (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') {
    const expected = /^expected (.*)$/i.exec(issue.message)?.[1];
    return expected ? `required field is missing (expected ${expected})` : `required field is missing (${issue.message})`;
  }
  return issue.message;
}
