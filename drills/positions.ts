import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';

// Where a problem is: every problem of a drill or game-day file names `file:line:col field.path`,
// so the person fixing it goes straight to the text, whatever stage of loading found it.

export interface Problem {
  file: string;
  line: number;
  col: number;
  /** Field path such as `probes[1].name`; empty for file-level problems. */
  path: string;
  message: string;
}

export type Segment = string | number;

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

/** Line and column (1-based) of a field path in a YAML source, or of its nearest existing parent. */
export function locateInSource(source: string, path: readonly Segment[]): { line: number; col: number } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const doc = docs[0];
  if (!doc) return { line: 1, col: 1 };
  return lineCounter.linePos(findNode(doc, path).offset);
}

/**
 * Walks the YAML tree along a field path. Points at the value when it has text, at its key
 * when it is empty or when the key itself is the problem, and at the nearest existing parent
 * when the path does not exist in the file (a missing field).
 */
export function findNode(doc: Document, path: readonly Segment[], opts: { preferKey?: boolean } = {}): { offset: number; exact: boolean } {
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

export function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return undefined;
}

function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || (isScalar(value) && value.value === null && !value.source);
}

/** The field path of a node from its visitor ancestry: keys of pairs, indexes in sequences. */
export function yamlPath(ancestors: readonly unknown[]): Segment[] {
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
