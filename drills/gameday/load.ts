import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { describeIssue, locateIssues } from '../issues.js';
import { loadDrillFile, type LoadOptions } from '../load.js';
import { findNode, formatPath, locateInSource, type Problem } from '../positions.js';
import { MAX_ALIAS_COUNT } from '../yaml-read.js';
import type { DrillSpec } from '../schema/index.js';
import { gameDaySchema, type GameDaySpec } from './schema.js';

// Game-day files: same contract as drill files (never throw for bad input, every problem as
// file:line:col field.path: reason, all in one pass), with the drill loader's locator and
// messages. A game day is a few lines, so a small size cap bounds the parser's work instead of
// the drill loader's token checks.

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

type Parsed = { ok: true; day: GameDaySpec; sha256: string } | { ok: false; problems: Problem[] };

/** Parses and validates a game-day document (not the drills it names). Pure; never throws. */
export function parseGameDaySource(bytes: Uint8Array, file: string): Parsed {
  const parsed = parseWithSteps(bytes, file);
  return parsed.ok ? { ok: true, day: parsed.day, sha256: parsed.sha256 } : { ok: false, problems: parsed.problems };
}

/** The drill files a game day names, as far as they can be read even when the day is invalid. */
interface Step {
  index: number;
  file: string;
  pauseAfterMs?: number;
}

function parseWithSteps(bytes: Uint8Array, file: string): Parsed & { steps: Step[] } {
  try {
    return parseUnguarded(bytes, file);
  } catch (err) {
    return { ok: false, problems: [problem(file, `cannot parse the game-day file: ${(err as Error)?.message ?? String(err)}`)], steps: [] };
  }
}

function parseUnguarded(bytes: Uint8Array, file: string): Parsed & { steps: Step[] } {
  const fail = (p: Problem) => ({ ok: false as const, problems: [p], steps: [] });
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
  if (syntax.length) return { ok: false, problems: syntax, steps: [] };
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
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'Drill') {
    const { line, col } = lc.linePos(findNode(doc, ['kind']).offset);
    return fail(problem(file, 'this is a drill file (kind: Drill), not a game day (kind: GameDay)', line, col, 'kind'));
  }
  const parsed = gameDaySchema.safeParse(value, { error: describeIssue, reportInput: true });
  if (parsed.success) {
    const steps = parsed.data.drills.map((d, index) => ({ index, file: d.file, ...(d.pauseAfter !== undefined ? { pauseAfterMs: d.pauseAfter } : {}) }));
    return { ok: true, day: parsed.data, sha256: createHash('sha256').update(bytes).digest('hex'), steps };
  }
  const { problems } = locateIssues(parsed.error.issues, { schema: gameDaySchema, doc, lineCounter: lc, value, file });
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: false, problems, steps: rawSteps(value) };
}

/** Drill files named in an invalid game day: still checked, so one run reports everything. */
function rawSteps(value: unknown): Step[] {
  const drills = (value as { drills?: unknown } | null)?.drills;
  if (!Array.isArray(drills)) return [];
  return drills.flatMap((d, index): Step[] => {
    const file = (d as { file?: unknown } | null)?.file;
    return typeof file === 'string' && /\.ya?ml$/i.test(file) ? [{ index, file }] : [];
  });
}

/**
 * Loads a game day and every drill it names (relative to the game-day file). A drill file that
 * cannot be read is reported at its `file:` line; one that is invalid keeps its own problems.
 */
export async function loadGameDayFile(file: string, opts: LoadOptions = {}): Promise<GameDayLoad> {
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
  const parsed = parseWithSteps(bytes, file);
  const source = new TextDecoder().decode(bytes);
  // The game day's own problems in file order, each invalid drill's problems right after its line.
  const own: Array<{ problem: Problem; listed: Problem[] }> = parsed.ok ? [] : parsed.problems.map((problem) => ({ problem, listed: [] }));
  const drills: GameDayStep[] = [];
  for (const step of parsed.steps) {
    const drillPath = path.resolve(path.dirname(file), step.file);
    const where = { file, ...locateInSource(source, ['drills', step.index, 'file']), path: formatPath(['drills', step.index, 'file']) };
    const loaded = await loadDrillFile(drillPath, opts);
    if (!loaded.ok) {
      const [only] = loaded.problems;
      // An unreadable file is the game day's mistake; an invalid drill is the drill file's.
      if (loaded.problems.length === 1 && only && only.path === '' && only.line === 1 && only.col === 1) {
        own.push({ problem: { ...where, message: `${step.file}: ${only.message}` }, listed: [] });
      } else {
        own.push({ problem: { ...where, message: `${step.file} is not a valid drill (${loaded.problems.length} problem(s) listed with it)` }, listed: loaded.problems });
      }
      continue;
    }
    drills.push({ file: step.file, path: drillPath, spec: loaded.spec, sha256: loaded.sha256, ...(step.pauseAfterMs !== undefined ? { pauseAfterMs: step.pauseAfterMs } : {}) });
  }
  own.sort((a, b) => a.problem.line - b.problem.line || a.problem.col - b.problem.col);
  if (!parsed.ok || own.length) return { ok: false, problems: own.flatMap((o) => [o.problem, ...o.listed]) };
  return { ok: true, day: parsed.day, sha256: parsed.sha256, drills };
}
