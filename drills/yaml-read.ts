import { open, stat } from 'node:fs/promises';
import { isAlias, isScalar, Lexer, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { formatPath, rangeStart, yamlPath, type Problem } from './positions.js';

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

export type Failed = { ok: false; problems: Problem[] };

export const fileProblem = (file: string, message: string, line = 1, col = 1): Failed => ({
  ok: false,
  problems: [{ file, line, col, path: '', message }],
});

export async function readBounded(file: string): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; message: string }> {
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

export interface YamlDocument {
  ok: true;
  source: string;
  doc: Document;
  lineCounter: LineCounter;
}

/** Decodes and parses one YAML document within the bounds above; syntax problems are not tidied. */
export function readYamlDocument(bytes: Uint8Array, file: string): YamlDocument | Failed {
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
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const [doc, second] = docs;
  if (second) {
    const marker = source.indexOf('---', second.range[0]);
    const { line, col } = at(marker >= 0 ? marker : second.range[0]);
    return fileProblem(file, `found ${docs.length} YAML documents: a drill file holds exactly one`, line, col);
  }
  if (!doc || doc.contents === null) {
    return fileProblem(file, 'the file is empty: expected a Drill document (apiVersion: firedrill.dev/v1, kind: Drill)');
  }
  return { ok: true, source, doc, lineCounter };
}

/** The document as plain data, refusing alias bombs at their first alias. */
export function toPlainValue(doc: Document, lineCounter: LineCounter, file: string): { ok: true; value: unknown } | Failed {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    if (err instanceof ReferenceError) {
      const { line, col } = lineCounter.linePos(firstAliasOffset(doc));
      const message = `too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}): refusing a possible alias bomb`;
      return fileProblem(file, message, line, col);
    }
    throw err;
  }
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
