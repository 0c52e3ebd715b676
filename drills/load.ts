import { createHash } from 'node:crypto';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { findNode, formatPath, formatProblem, type Problem, type Segment } from './positions.js';
import { drillSpecSchema, type DrillSpec } from './schema/index.js';
import { fileProblem, readBounded, readYamlDocument, toPlainValue } from './yaml-read.js';

// The drill loader: a bounded read (yaml-read.ts), the schema, and every problem located in the
// file (positions.ts). Bad input never throws; it becomes problems.

// Files moving to client/ in the same change still import these from here; positions.ts owns them.
export { formatProblem, locateInSource, type Problem } from './positions.js';

/** Problems reported per file; past this, the rest are counted, not listed. */
export const MAX_PROBLEMS = 50;

export type LoadResult =
  | { ok: true; spec: DrillSpec; source: string; sha256: string }
  | { ok: false; problems: Problem[] };

/** Reads, parses and validates one drill file. Never throws for bad input. */
export async function loadDrillFile(file: string): Promise<LoadResult> {
  const read = await readBounded(file);
  if (!read.ok) return fileProblem(file, read.message);
  return parseDrillSource(read.bytes, file);
}

/** Loads several drill files, one after the other (bounded: one open file at a time). */
export async function loadDrillFiles(files: readonly string[]): Promise<Array<{ file: string } & LoadResult>> {
  const out: Array<{ file: string } & LoadResult> = [];
  for (const file of files) out.push({ file, ...(await loadDrillFile(file)) });
  return out;
}

/** Decodes, parses and validates the raw bytes of a drill file. Pure; never throws. */
export function parseDrillSource(bytes: Uint8Array, file: string): LoadResult {
  try {
    return parseUnguarded(bytes, file);
  } catch (err) {
    // Last resort: a bug here or in a library still ends as a Problem, not a crash of the CLI.
    return fileProblem(file, `cannot parse the drill file: ${(err as Error)?.message ?? String(err)}`);
  }
}

function parseUnguarded(bytes: Uint8Array, file: string): LoadResult {
  const yaml = readYamlDocument(bytes, file);
  if (!yaml.ok) return { ok: false, problems: tidy(yaml.problems) };
  const { source, doc, lineCounter } = yaml;
  const plain = toPlainValue(doc, lineCounter, file);
  if (!plain.ok) return plain;

  const parsed = drillSpecSchema.safeParse(plain.value);
  if (parsed.success) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { ok: true, spec: parsed.data, source, sha256 };
  }
  // Locating costs a walk per problem: only the first ones (in schema order) are located.
  const units = parsed.error.issues.flatMap((issue): Array<{ issue: Issue; key: string | undefined }> =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ issue, key })) : [{ issue, key: undefined }],
  );
  const located = units.slice(0, MAX_PROBLEMS * 4).map(({ issue, key }) => locateIssue(issue, key, doc, lineCounter, file));
  return { ok: false, problems: tidy(located, units.length) };
}

type Issue = z.core.$ZodIssue;

function locateIssue(issue: Issue, key: string | undefined, doc: Document, lc: LineCounter, file: string): Problem {
  const path = issue.path.filter((k): k is Segment => typeof k !== 'symbol');
  if (key !== undefined) {
    const found = findNode(doc, [...path, key], { preferKey: true });
    return { file, ...lc.linePos(found.offset), path: formatPath([...path, key]), message: `unknown field "${key}"` };
  }
  const found = findNode(doc, path);
  const message = found.exact ? issue.message : missingMessage(issue);
  return { file, ...lc.linePos(found.offset), path: formatPath(path), message };
}

/** A key that is absent (not one set to null) is reported as missing, not as a type mismatch. */
function missingMessage(issue: Issue): string {
  const expected = /expected (.*?)(, received undefined)?$/i.exec(issue.message)?.[1];
  if (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') {
    return expected ? `required field is missing (expected ${expected})` : 'required field is missing';
  }
  return issue.message;
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
  const shown = unique.slice(0, MAX_PROBLEMS - 1);
  const next = unique[shown.length] ?? unique[unique.length - 1];
  const more = unique.length - shown.length + unlocated;
  if (!next) return shown;
  return [...shown, { ...next, path: '', message: `... and ${more} more problem(s)` }];
}
