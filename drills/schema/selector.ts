import { isLabelKey, isLabelValue } from './names.js';

// The subset of Kubernetes label-selector syntax a drill may use to pick its target nodes. It is
// checked here, because the API server would only refuse a bad selector at preflight, and a
// selector it misreads (e.g. "pool = batch tier=db") could pick the wrong nodes.

export type SelectorOperator = 'exists' | 'notexists' | '=' | '!=' | 'in' | 'notin';
export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export const SELECTOR_FORM =
  'comma-separated requirements: key=value, key==value, key!=value, key, !key, key in (a,b), key notin (a,b)';

type Parsed = { ok: true; requirements: SelectorRequirement[] } | { ok: false; reason: string };

const STOP = new Set([' ', '\t', ',', '=', '!', '(', ')']);

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  skipSpace(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }
  eat(token: string): boolean {
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }
  word(): string {
    const start = this.pos;
    while (!this.done && !STOP.has(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

class SelectorError extends Error {}

function fail(s: Scanner, what: string, at = s.pos): never {
  throw new SelectorError(`${at >= s.text.length ? 'at the end' : `at character ${at + 1}`}: ${what}`);
}

function key(s: Scanner): string {
  const start = s.pos;
  const k = s.word();
  if (k === '') fail(s, 'expected a label key');
  if (!isLabelKey(k)) fail(s, `"${k}" is not a valid label key`, start);
  return k;
}

function value(s: Scanner): string {
  s.skipSpace();
  const start = s.pos;
  const v = s.word();
  if (!isLabelValue(v)) fail(s, `"${v}" is not a valid label value`, start);
  return v;
}

function valueSet(s: Scanner): string[] {
  s.skipSpace();
  if (!s.eat('(')) fail(s, "expected '(' to start the value set");
  const values: string[] = [];
  for (;;) {
    const v = value(s);
    if (v === '') fail(s, 'expected a value in the set');
    values.push(v);
    s.skipSpace();
    if (s.eat(')')) return values;
    if (!s.eat(',')) fail(s, "expected ',' or ')' in the value set");
  }
}

function requirement(s: Scanner): SelectorRequirement {
  s.skipSpace();
  if (s.eat('!')) {
    s.skipSpace();
    return { key: key(s), operator: 'notexists', values: [] };
  }
  const k = key(s);
  s.skipSpace();
  if (s.done || s.text[s.pos] === ',') return { key: k, operator: 'exists', values: [] };
  if (s.eat('!=')) return { key: k, operator: '!=', values: [value(s)] };
  if (s.eat('==') || s.eat('=')) return { key: k, operator: '=', values: [value(s)] };
  const op = s.word();
  if (op === 'in' || op === 'notin') return { key: k, operator: op, values: valueSet(s) };
  return fail(s, op ? `unknown operator "${op}"` : 'expected an operator');
}

/** Parses a label selector such as "pool=batch,tier!=db,zone in (a,b)". */
export function parseLabelSelector(text: string): Parsed {
  const s = new Scanner(text);
  const requirements: SelectorRequirement[] = [];
  try {
    s.skipSpace();
    if (s.done) return { ok: false, reason: 'the selector is empty' };
    for (;;) {
      requirements.push(requirement(s));
      s.skipSpace();
      if (s.done) return { ok: true, requirements };
      if (!s.eat(',')) fail(s, "expected ',' between requirements");
    }
  } catch (err) {
    if (err instanceof SelectorError) return { ok: false, reason: err.message };
    throw err;
  }
}
