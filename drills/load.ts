import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import type { z } from 'zod';
import { drillSpecSchema, type DrillSpec } from './schema/index.js';

// Drill files are read before anything else runs, possibly from a pull request: every step is
// bounded (size, encoding, token count, nesting, alias expansion) and every failure becomes a
// Problem that points at the line and column to fix, never an exception.

export const MAX_DRILL_BYTES = 1024 * 1024;
/** Far above what a drill needs, far below what a "billion laughs" document expands to. */
export const MAX_ALIAS_COUNT = 100;
/** A drill nests about 5 levels; the parser's memory grows with depth, so depth is capped first. */
export const MAX_NESTING = 64;
/** A drill is a few hundred lexer tokens (about 9 a line); this caps the parser's work and errors. */
export const MAX_TOKENS = 100_000;
/** Problems reported per file; past this, the rest are counted, not listed. */
export const MAX_PROBLEMS = 50;

export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Field path such as `probes[1].name`; empty for file-level problems. */
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; spec: DrillSpec; source: string; sha256: string }
  | { ok: false; problems: Problem[] };

type Segment = string | number;

/** `file:line:col field.path: reason` */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path || '(root)'}: ${p.message}`;
}

export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const fileProblem = (file: string, message: string, line = 1, col = 1): LoadResult => ({
  ok: false,
  problems: [{ file, line, col, path: '', message }],
});

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

async function readBounded(file: string): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; message: string }> {
  try {
    // stat first: opening a FIFO would block, and a directory has nothing to read.
    const st = await stat(file);
    if (st.isDirectory()) return { ok: false, message: 'is a directory, not a drill file' };
    if (!st.isFile()) return { ok: false, message: 'is not a regular file' };
    if (st.size > MAX_DRILL_BYTES) return { ok: false, message: tooLarge(st.size) };
    const handle = await open(file, 'r');
    try {
      // Read one byte past the limit, in case the file grew since stat.
      const buf = new Uint8Array(MAX_DRILL_BYTES + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buf, n, buf.length - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n > MAX_DRILL_BYTES) return { ok: false, message: tooLarge(n) };
      }
      return { ok: true, bytes: buf.subarray(0, n) };
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { ok: false, message: describeFsError(err) };
  }
}

function tooLarge(size: number): string {
  return `file is too large (${size} bytes): a drill file may be at most 1 MiB (${MAX_DRILL_BYTES} bytes)`;
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'ENOTDIR') return 'no such file (a parent path is not a directory)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a drill file';
  return `cannot read the file: ${(err as Error)?.message ?? String(err)}`;
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
  if (bytes.length > MAX_DRILL_BYTES) return fileProblem(file, tooLarge(bytes.length));
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const { line, col } = bytePosition(bytes, at);
    const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    return fileProblem(file, `not UTF-8 text (byte 0x${byte} at offset ${at}): drill files must be UTF-8`, line, col);
  }

  const shape = checkShape(source);
  if (shape) {
    const before = source.slice(0, shape.offset);
    const line = before.split('\n').length;
    return fileProblem(file, shape.message, line, shape.offset - before.lastIndexOf('\n'));
  }

  const lineCounter = new LineCounter();
  // yaml's own uniqueKeys check is quadratic in the size of a mapping: duplicates are found below.
  const docs = parseAllDocuments(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => lineCounter.linePos(offset);

  const syntax: Problem[] = [];
  for (const doc of docs) {
    for (const e of [...doc.errors, ...doc.warnings]) {
      // The composer turns its own stack overflow on absurd nesting into an error; say what it means.
      const message = /call stack/i.test(e.message) ? 'nesting is too deep' : e.message;
      syntax.push({ file, ...at(e.pos[0]), path: '', message: `YAML: ${message}` });
    }
  }
  for (const doc of docs) syntax.push(...duplicateKeys(doc, lineCounter, file));
  if (syntax.length > 0) return { ok: false, problems: tidy(syntax) };
  const [doc, second] = docs;
  if (second) {
    const marker = source.indexOf('---', second.range[0]);
    const { line, col } = at(marker >= 0 ? marker : second.range[0]);
    return fileProblem(file, `found ${docs.length} YAML documents: a drill file holds exactly one`, line, col);
  }
  if (!doc || doc.contents === null) {
    return fileProblem(file, 'the file is empty: expected a Drill document (apiVersion: firedrill.dev/v1, kind: Drill)');
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError) {
      const { line, col } = at(firstAliasOffset(doc));
      const message = `too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}): refusing a possible alias bomb`;
      return fileProblem(file, message, line, col);
    }
    throw err;
  }

  const parsed = drillSpecSchema.safeParse(value);
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

/** Line and column (1-based) of a field path in a YAML source, or of its nearest existing parent. */
export function locateInSource(source: string, path: readonly Segment[]): { line: number; col: number } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const doc = docs[0];
  if (!doc) return { line: 1, col: 1 };
  return lineCounter.linePos(findNode(doc, path).offset);
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

/**
 * Walks the YAML tree along a zod issue path. Points at the value when it has text, at its key
 * when it is empty or when the key itself is the problem, and at the nearest existing parent
 * when the path does not exist in the file (a missing field).
 */
function findNode(doc: Document, path: readonly Segment[], opts: { preferKey?: boolean } = {}): { offset: number; exact: boolean } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => {
        const k = isAlias(p.key) ? p.key.resolve(doc) : p.key;
        return isScalar(k) && String(k.value) === String(seg);
      });
      if (!pair) return { offset, exact: false };
      const keyStart = rangeStart(pair.key) ?? offset;
      if (last && (opts.preferKey || isEmptyValue(pair.value))) return { offset: keyStart, exact: true };
      next = pair.value;
      offset = rangeStart(next) ?? keyStart;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
      if (next === undefined) return { offset, exact: false };
      offset = rangeStart(next) ?? offset;
    } else {
      return { offset, exact: false };
    }
    node = next;
  }
  return { offset, exact: true };
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return undefined;
}

function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || (isScalar(value) && value.value === null && !value.source);
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
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

// Lexer control tokens that stand for no source text.
const CONTROL_TOKENS = new Set(['\x02', '\x18', '\x1f']);

/**
 * Cheap pre-checks on the lexer's tokens (linear, no tree) that bound what the parser will build:
 * the token count, and nesting: open flow brackets plus block indicators on one line ("- - - x",
 * "? ? x", "a: b: c"), the forms that nest deeply in few bytes. Nesting by indentation alone costs
 * its square in bytes, so the 1 MiB limit already bounds it.
 */
function checkShape(source: string): { offset: number; message: string } | undefined {
  let offset = 0;
  let count = 0;
  let flow = 0;
  let onLine = 0;
  let prev = '';
  for (const token of new Lexer().lex(source)) {
    if (++count > MAX_TOKENS) {
      return { offset, message: `the document has more than ${MAX_TOKENS} YAML tokens: far more than a drill needs` };
    }
    if (token === '[' || token === '{') flow++;
    else if ((token === ']' || token === '}') && flow > 0) flow--;
    else if (token === '\n' || token === '\r\n') onLine = 0;
    // A "-" right after the scalar marker is a plain scalar's text, not an indicator.
    else if (flow === 0 && prev !== '\x1f' && (token === '-' || token === '?' || token === ':')) onLine++;
    if (flow + onLine > MAX_NESTING) {
      return { offset, message: `nesting is deeper than ${MAX_NESTING} levels: refusing a document built to exhaust the parser` };
    }
    if (!CONTROL_TOKENS.has(token)) offset += token.length;
    prev = token;
  }
  return undefined;
}

/** Keys repeated in one mapping (linear: one Set per mapping), at the repeated key. */
function duplicateKeys(doc: Document, lc: LineCounter, file: string): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Map(_, map, ancestors) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
        if (!isScalar(key)) continue;
        const name = String(key.value);
        if (!seen.has(name)) {
          seen.add(name);
          continue;
        }
        const path = [...yamlPath([...ancestors, map]), name];
        const { line, col } = lc.linePos(rangeStart(pair.key) ?? 0);
        problems.push({ file, line, col, path: formatPath(path), message: `YAML: duplicate key "${name}" (keys must be unique)` });
      }
    },
  });
  return problems;
}

/** The field path of a node from its visitor ancestry: keys of pairs, indexes in sequences. */
function yamlPath(ancestors: readonly unknown[]): Segment[] {
  const path: Segment[] = [];
  ancestors.forEach((a, i) => {
    if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
    else if (isSeq(a)) {
      const index = a.items.indexOf(ancestors[i + 1] as never);
      if (index >= 0) path.push(index);
    }
  });
  return path;
}

/** Offset of the first byte that breaks UTF-8 (the decoder only says that one does). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, surrogates and code points above U+10FFFF.
    const c1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) {
      return i;
    }
    i += len;
  }
  return Math.max(0, bytes.length - 1);
}

function bytePosition(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}
