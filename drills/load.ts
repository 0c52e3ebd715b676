import { createHash } from 'node:crypto';
import type { Document, LineCounter } from 'yaml';
import { drillEnv, substituteDocument, type Env } from './env-substitution.js';
import { describeIssue, kindMessage, locateIssues } from './issues.js';
import { findNode, formatProblem, type Problem } from './positions.js';
import { drillSpecSchema, type DrillSpec } from './schema/index.js';
import { closest } from './suggest.js';
import { fileProblem, readBounded, readYamlDocument, toPlainValue } from './yaml-read.js';

// The drill loader: a bounded read (yaml-read.ts), `${NAME}` placeholders resolved
// (env-substitution.ts), the schema, and every problem located in the file (positions.ts,
// issues.ts). Bad input never throws; it becomes problems, all of them in one pass.

/** Problems reported per file; past this, the rest are counted, not listed. */
export const MAX_PROBLEMS = 50;

export interface LoadOptions {
  /** Where `${NAME}` placeholders are resolved; by default the process's, plus the stack's services. */
  env?: Env;
  /** Refuse a drill without objectives: it cannot fail, so every run would pass. */
  requireObjectives?: boolean;
}

export type LoadResult =
  | { ok: true; spec: DrillSpec; source: string; sha256: string }
  /** `name` (the drill name as written) and `source` when the file parsed as YAML, for checks across files. */
  | { ok: false; problems: Problem[]; name?: string; source?: string };

/** Reads, parses and validates one drill file. Never throws for bad input. */
export async function loadDrillFile(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const read = await readBounded(file);
  if (!read.ok) return fileProblem(file, read.message);
  return parseDrillSource(read.bytes, file, opts);
}

/** Loads several drill files, one after the other (bounded: one open file at a time). */
export async function loadDrillFiles(files: readonly string[], opts: LoadOptions = {}): Promise<Array<{ file: string } & LoadResult>> {
  const out: Array<{ file: string } & LoadResult> = [];
  for (const file of files) out.push({ file, ...(await loadDrillFile(file, opts)) });
  return out;
}

/** Decodes, parses and validates the raw bytes of a drill file. Pure but for the env; never throws. */
export function parseDrillSource(bytes: Uint8Array, file: string, opts: LoadOptions = {}): LoadResult {
  try {
    return parseUnguarded(bytes, file, opts);
  } catch (err) {
    // Last resort: a bug here or in a library still ends as a Problem, not a crash of the CLI.
    return fileProblem(file, `cannot parse the drill file: ${(err as Error)?.message ?? String(err)}`);
  }
}

const field = (v: unknown, key: string): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined);

function parseUnguarded(bytes: Uint8Array, file: string, opts: LoadOptions): LoadResult {
  const yaml = readYamlDocument(bytes, file);
  if (!yaml.ok) return { ok: false, problems: tidy(yaml.problems) };
  const { source, doc, lineCounter } = yaml;
  // Placeholders are resolved in the tree, before the schema reads any value.
  const env = substituteDocument(doc, source, lineCounter, file, opts.env ?? drillEnv());
  const plain = toPlainValue(doc, lineCounter, file);
  if (!plain.ok) return plain;
  const value = plain.value;
  const rawName = field(field(value, 'metadata'), 'name');
  const failed = (problems: Problem[], total?: number): LoadResult => ({
    ok: false, problems: tidy(problems, total), source, ...(typeof rawName === 'string' ? { name: rawName } : {}),
  });

  const otherKind = otherKindProblem(value, doc, lineCounter, file);
  if (otherKind) return failed([...env.problems, otherKind]);

  const parsed = drillSpecSchema.safeParse(value, { error: describeIssue, reportInput: true });
  const extra = opts.requireObjectives ? objectivesProblem(value, doc, lineCounter, file) : [];
  if (parsed.success && env.problems.length === 0 && extra.length === 0) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { ok: true, spec: parsed.data, source, sha256 };
  }
  const located = parsed.success
    ? { problems: [], total: 0 }
    : locateIssues(parsed.error.issues, { schema: drillSpecSchema, doc, lineCounter, value, file }, MAX_PROBLEMS * 4);
  // A placeholder that did not resolve is the problem of its field; the schema would only repeat it.
  const schema = located.problems.filter((p) => !env.failed.has(p.path));
  const problems = [...env.problems, ...schema, ...extra];
  return failed(problems, problems.length + located.total - located.problems.length);
}

/**
 * A document of another kind (a game day, a Kubernetes manifest) is judged by its kind alone:
 * measured against the drill schema, every other field would be a false problem. A near miss
 * of "Drill" is still checked as a drill, with a suggestion for the kind.
 */
function otherKindProblem(value: unknown, doc: Document, lc: LineCounter, file: string): Problem | undefined {
  const kind = field(value, 'kind');
  if (typeof kind !== 'string' || kind === 'Drill' || closest(kind, ['Drill', 'GameDay']) === 'Drill') return undefined;
  const message = kind === 'GameDay' ? 'this is a game-day file (kind: GameDay), not a drill (kind: Drill)' : kindMessage(kind);
  return { file, ...lc.linePos(findNode(doc, ['kind']).offset), path: 'kind', message };
}

function objectivesProblem(value: unknown, doc: Document, lc: LineCounter, file: string): Problem[] {
  const objectives = field(value, 'objectives');
  if (objectives !== undefined && !(Array.isArray(objectives) && objectives.length === 0)) return [];
  const { offset } = findNode(doc, ['objectives']);
  const message = `${objectives === undefined ? 'required field is missing: ' : ''}a drill needs at least one objective (rto, rpo, capacity or errorBudget); without one it cannot fail and every run passes`;
  return [{ file, ...lc.linePos(offset), path: 'objectives', message }];
}

/** In file order, without repeats, and few enough to read: the first ones are the ones to fix. */
function tidy(problems: Problem[], total = problems.length): Problem[] {
  const seen = new Set<string>();
  const unique = problems
    .filter((p) => {
      const key = formatProblem(p);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
  const unlocated = total - problems.length;
  if (unique.length <= MAX_PROBLEMS && unlocated === 0) return unique;
  const listed = unique.slice(0, MAX_PROBLEMS - 1);
  const next = unique[listed.length] ?? unique[unique.length - 1];
  const more = unique.length - listed.length + unlocated;
  if (!next) return listed;
  return [...listed, { ...next, path: '', message: `... and ${more} more problem(s)` }];
}
