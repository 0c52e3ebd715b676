import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { z } from 'zod';
import { loadDrillFile } from '../load.js';
import { formatPath, locateInSource, type Problem } from '../positions.js';
import { MAX_ALIAS_COUNT } from '../yaml-read.js';
import type { DrillSpec } from '../schema/index.js';
import { gameDaySchema, type GameDaySpec } from './schema.js';

// Game-day files: same contract as drill files (never throw for bad input, every problem as
// file:line:col field.path: reason), reusing the drill loader's locator. A game day is a few
// lines, so a small size cap bounds the parser's work instead of the drill loader's token checks.

export const MAX_GAMEDAY_BYTES = 64 * 1024;

export interface GameDayStep {
  /** As written in the game-day file. */
  file: string;
  /** Resolved against the game-day file's folder. */
  path: string;
  spec: DrillSpec;
  sha256: string;
  pauseAfterMs?: number;
}

export type GameDayLoad =
  | { ok: true; day: GameDaySpec; sha256: string; drills: GameDayStep[] }
  | { ok: false; problems: Problem[] };

const TOP_LEVEL_KIND = /^kind:[ \t]*(["']?)GameDay\1[ \t]*(#.*)?$/m;

/** True when the text declares `kind: GameDay` at the top level: how `run` tells the two apart. */
export function isGameDaySource(source: string): boolean {
  return TOP_LEVEL_KIND.test(source);
}

export async function isGameDayFile(file: string): Promise<boolean> {
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size > MAX_GAMEDAY_BYTES) return false;
    return isGameDaySource(await readFile(file, 'utf8'));
  } catch {
    return false;
  }
}

const problem = (file: string, message: string, line = 1, col = 1, at = ''): Problem => ({ file, line, col, path: at, message });

/** Parses and validates a game-day document (not the drills it names). Pure; never throws. */
export function parseGameDaySource(bytes: Uint8Array, file: string): { ok: true; day: GameDaySpec; sha256: string } | { ok: false; problems: Problem[] } {
  try {
    return parseUnguarded(bytes, file);
  } catch (err) {
    return { ok: false, problems: [problem(file, `cannot parse the game-day file: ${(err as Error)?.message ?? String(err)}`)] };
  }
}

function parseUnguarded(bytes: Uint8Array, file: string): ReturnType<typeof parseGameDaySource> {
  const fail = (p: Problem) => ({ ok: false as const, problems: [p] });
  if (bytes.length > MAX_GAMEDAY_BYTES) return fail(problem(file, `file is too large (${bytes.length} bytes): a game-day file may be at most ${MAX_GAMEDAY_BYTES} bytes`));
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(problem(file, 'not UTF-8 text: game-day files must be UTF-8'));
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: lc, prettyErrors: false });
  const syntax = docs.flatMap((d) => [...d.errors, ...d.warnings])
    .map((e) => problem(file, `YAML: ${/call stack/i.test(e.message) ? 'nesting is too deep' : e.message}`, lc.linePos(e.pos[0]).line, lc.linePos(e.pos[0]).col));
  if (syntax.length) return { ok: false, problems: syntax };
  const [doc, second] = docs;
  if (second) {
    const { line, col } = lc.linePos(second.range[0]);
    return fail(problem(file, `found ${docs.length} YAML documents: a game-day file holds exactly one`, line, col));
  }
  if (!doc || doc.contents === null) return fail(problem(file, 'the file is empty: expected a GameDay document (apiVersion: firedrill.dev/v1, kind: GameDay)'));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError) return fail(problem(file, `too many YAML alias expansions (limit ${MAX_ALIAS_COUNT})`));
    throw err;
  }
  const parsed = gameDaySchema.safeParse(value);
  if (parsed.success) return { ok: true, day: parsed.data, sha256: createHash('sha256').update(bytes).digest('hex') };
  const problems = parsed.error.issues.flatMap((issue) => locate(issue, doc, lc, value, file))
    .sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: false, problems };
}

type Issue = z.core.$ZodIssue;
type Segment = string | number;

function locate(issue: Issue, doc: Document, lc: LineCounter, value: unknown, file: string): Problem[] {
  const at = issue.path.filter((k): k is Segment => typeof k !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ file, ...lc.linePos(offsetOf(doc, [...at, key], true)), path: formatPath([...at, key]), message: `unknown field "${key}"` }));
  }
  const present = lookup(value, at) !== undefined;
  const expected = /expected (.*?)(, received undefined)?$/i.exec(issue.message)?.[1];
  const message = present || !expected ? issue.message : `required field is missing (expected ${expected})`;
  return [{ file, ...lc.linePos(offsetOf(doc, at, false)), path: formatPath(at), message }];
}

/** Offset of a path's value (or its key), or of the nearest existing parent when it is absent. */
function offsetOf(doc: Document, at: readonly Segment[], key: boolean): number {
  let node: unknown = doc.contents;
  let offset = (node as { range?: number[] } | null)?.range?.[0] ?? 0;
  for (const [i, seg] of at.entries()) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return offset;
      const keyAt = (pair.key as { range?: number[] }).range?.[0] ?? offset;
      if (i === at.length - 1 && (key || pair.value === null)) return keyAt;
      next = pair.value;
      offset = (next as { range?: number[] } | null)?.range?.[0] ?? keyAt;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
      if (next === undefined) return offset;
      offset = (next as { range?: number[] }).range?.[0] ?? offset;
    } else {
      return offset;
    }
    node = next;
  }
  return offset;
}

function lookup(value: unknown, at: readonly Segment[]): unknown {
  let v = value;
  for (const seg of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/**
 * Loads a game day and every drill it names (relative to the game-day file). A drill file that
 * cannot be read is reported at its `file:` line; one that is invalid keeps its own problems.
 */
export async function loadGameDayFile(file: string): Promise<GameDayLoad> {
  let bytes: Uint8Array;
  try {
    const st = await stat(file);
    if (!st.isFile()) return { ok: false, problems: [problem(file, 'is not a regular file')] };
    if (st.size > MAX_GAMEDAY_BYTES) return { ok: false, problems: [problem(file, `file is too large (${st.size} bytes): a game-day file may be at most ${MAX_GAMEDAY_BYTES} bytes`)] };
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    return { ok: false, problems: [problem(file, code === 'ENOENT' ? 'no such file' : `cannot read the file: ${(err as Error).message}`)] };
  }
  const parsed = parseGameDaySource(bytes, file);
  if (!parsed.ok) return parsed;
  const source = new TextDecoder().decode(bytes);
  const problems: Problem[] = [];
  const drills: GameDayStep[] = [];
  for (const [i, step] of parsed.day.drills.entries()) {
    const drillPath = path.resolve(path.dirname(file), step.file);
    const where = { file, ...locateInSource(source, ['drills', i, 'file']), path: formatPath(['drills', i, 'file']) };
    const loaded = await loadDrillFile(drillPath);
    if (!loaded.ok) {
      const [only] = loaded.problems;
      // An unreadable file is the game day's mistake; an invalid drill is the drill file's.
      if (loaded.problems.length === 1 && only && only.path === '' && only.line === 1 && only.col === 1) {
        problems.push({ ...where, message: `${step.file}: ${only.message}` });
      } else {
        problems.push({ ...where, message: `${step.file} is not a valid drill (${loaded.problems.length} problem(s) listed with it)` }, ...loaded.problems);
      }
      continue;
    }
    drills.push({ file: step.file, path: drillPath, spec: loaded.spec, sha256: loaded.sha256, ...(step.pauseAfter !== undefined ? { pauseAfterMs: step.pauseAfter } : {}) });
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, day: parsed.day, sha256: parsed.sha256, drills };
}
