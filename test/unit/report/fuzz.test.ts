import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../report/escape.js';
import { historyEntry } from '../../../report/history.js';
import { renderHistoryHtml } from '../../../report/history-html.js';
import { renderHtml } from '../../../report/html.js';
import { renderMarkdown } from '../../../report/markdown.js';
import type { DrillResult } from '../../../report/result.js';
import { renderTimelineSvg } from '../../../report/timeline-svg.js';
import { hostileString, XML_INVALID } from '../../support/hostile.js';
import { abortedResult, failResult, notRecoveredResult } from './fixtures/results.js';

// The renderers on generated results whose every free-text field (anything the result schema
// types as a plain string: names, descriptions, reasons, identities, notes, errors, ids, URLs)
// may hold hostile text. No input may come out as markup in HTML, SVG or Markdown.

// FUZZ_RUNS raises the count for a longer search (e.g. FUZZ_RUNS=20000).
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** Every optional text field present, so each can be made hostile. */
function fullResult(): DrillResult {
  const r = failResult();
  r.run.cluster = { context: 'ctx', server: 'https://127.0.0.1:6443' };
  r.approval.refused.push({ identity: 'eve@example.com', at: r.run.startedAt, reason: 'not listed in approval.approvers' });
  r.journal.push({ at: r.run.startedAt, kind: 'warning', message: 'approval refused', identity: 'eve@example.com' });
  r.journal.push({ at: r.run.startedAt, kind: 'guardrail', message: 'payments failing for 115 s' });
  r.plan!.verdict.reasons.push('target holds 4 of 12 nodes');
  r.plan!.blockingPdbs.push({ namespace: 'data', name: 'orders-store', reason: 'allows 0 disruptions' });
  r.plan!.pendingAfterMove.push('data/orders-store-1');
  r.restore!.nodes[0] = { name: 'node-a-1', restored: false, note: 'API server unreachable' };
  r.evidence = { resultSha256: 'b'.repeat(64) };
  return r;
}

/** The same with the optional blocks absent: the renderers' other branches. */
function bareResult(): DrillResult {
  const r = fullResult();
  r.outcome = 'refused';
  r.plan = null;
  r.injection = null;
  r.restore = null;
  r.measurements.t0 = null;
  r.measurements.capacity = null;
  r.measurements.failback = null;
  r.approval = { required: true, refused: r.approval.refused };
  return r;
}

const BASES: Array<() => DrillResult> = [fullResult, bareResult, abortedResult, notRecoveredResult];

// Fields the contract restricts to an enum, a time or a number are not free text.
const NOT_TEXT = new Set(['type', 'unit', 'fault', 'trigger', 'outcome', 'phase', 'schemaVersion', 'actions']);
const JOURNAL_KINDS = new Set(['phase', 'operator', 'guardrail', 'info', 'warning', 'error']);
const ISO = /^\d{4}-\d\d-\d\dT/;

type Setter = (value: string) => void;

/** A setter for every free-text leaf of a result. */
function textLeaves(value: unknown, key = '', out: Setter[] = []): Setter[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v === 'string') {
        if (!NOT_TEXT.has(key)) out.push((s) => { value[i] = s; });
      } else textLeaves(v, key, out);
    });
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string') {
        const journalKind = k === 'kind' && 'message' in o && 'at' in o && JOURNAL_KINDS.has(v);
        if (!NOT_TEXT.has(k) && !journalKind && !ISO.test(v)) out.push((s) => { o[k] = s; });
      } else textLeaves(v, k, out);
    }
  }
  return out;
}

/** A base result with a hostile value in each text field the slot list does not leave null. */
const hostileResult = (slots: number): fc.Arbitrary<DrillResult> => fc
  .tuple(fc.nat(BASES.length - 1), fc.array(fc.option(hostileString, { freq: 1 }), { minLength: slots, maxLength: slots }), fc.option(hostileString))
  .map(([b, values, all]) => {
    const r = BASES[b]!();
    const leaves = textLeaves(r);
    leaves.forEach((set, i) => {
      const v = all ?? values[i % values.length];
      if (v !== null && v !== undefined) set(v);
    });
    return r;
  });

const SLOTS = 160;
const withPrevious = fc.tuple(hostileResult(SLOTS), fc.option(hostileResult(SLOTS), { freq: 2 }));

const HTML_TAGS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'body', 'main', 'div', 'p', 'h1', 'h2', 'h3', 'section', 'dl', 'dt', 'dd', 'table', 'thead',
  'tbody', 'tr', 'th', 'td', 'ul', 'li', 'span', 'strong', 'code', 'a', 'figure', 'figcaption', 'footer',
  'svg', 'desc', 'defs', 'pattern', 'g', 'rect', 'line', 'path', 'circle', 'text',
]);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>/y;
const ATTR = /([a-zA-Z][a-zA-Z0-9:-]*)="([^"]*)"/g;
const ENTITY = /&(?!(?:amp|lt|gt|quot|#39);)/;

/** Problems with the markup of an HTML page or SVG element: any tag, attribute or entity input could have made. */
function markupProblems(out: string): string[] {
  const problems: string[] = [];
  const body = out.replace(/^<!doctype html>\n/, '').replace(/<style>[^<]*<\/style>/g, '<style></style>');
  for (let at = body.indexOf('<'); at >= 0; at = body.indexOf('<', at + 1)) {
    TAG.lastIndex = at;
    const m = TAG.exec(body);
    if (!m) {
      problems.push(`stray "<": ${JSON.stringify(body.slice(at, at + 60))}`);
      continue;
    }
    const name = m[2]!.toLowerCase();
    if (!HTML_TAGS.has(name)) problems.push(`unexpected tag <${name}>`);
    for (const [, attr, value] of m[3]!.matchAll(ATTR)) {
      if (/^on/i.test(attr!)) problems.push(`event handler attribute ${attr}`);
      // http(s), a fragment, or a relative path (no scheme): nothing that can run script.
      if (attr === 'href' && !/^(https?:\/\/|#)/.test(value!) && /^[^/?#]*:/.test(value!)) problems.push(`href ${JSON.stringify(value)}`);
    }
  }
  const raw = ENTITY.exec(body.replace(/<style><\/style>/g, ''));
  if (raw) problems.push(`unescaped "&": ${JSON.stringify(body.slice(raw.index, raw.index + 30))}`);
  if (XML_INVALID.test(out)) problems.push(`a character not allowed in XML: ${JSON.stringify(out.match(XML_INVALID)?.[0])}`);
  return problems;
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe(`report renderers on ${RUNS} generated hostile results`, () => {
  it('HTML: only the page\'s own tags and attributes, one SVG, every entity escaped, input still shown', () => {
    fc.assert(fc.property(withPrevious, ([r, previous]) => {
      const html = renderHtml(r, previous);
      expect(markupProblems(html)).toEqual([]);
      expect(count(html, /<svg\b/g)).toBe(1);
      expect(count(html, /<\/svg>/g)).toBe(1);
      expect(count(html, /<\/html>/g)).toBe(1);
      expect(html).toContain(escapeHtml(r.drill.name).slice(0, 40));
      expect(html).toContain(escapeHtml(r.outcomeReason).slice(0, 40));
    }), { numRuns: RUNS });
  });

  it('SVG timeline on its own: well-formed markup, text only as text', () => {
    fc.assert(fc.property(hostileResult(SLOTS), hostileString, (r, prefix) => {
      const svg = renderTimelineSvg(r, { idPrefix: prefix });
      expect(markupProblems(svg)).toEqual([]);
      expect(svg.startsWith('<svg ')).toBe(true);
      expect(svg.endsWith('</svg>')).toBe(true);
      expect(count(svg, /<svg\b/g)).toBe(1);
      expect(count(svg, /<\/svg>/g)).toBe(1);
      expect(svg).not.toMatch(/id="[^"]*[^\w"-]/);
    }), { numRuns: RUNS });
  });

  it('history index: only the page\'s own markup, one trend chart per drill and figure', () => {
    // Run folders are names read from disk, so always well-formed Unicode.
    const dir = hostileString.map((s) => s.replace(/[\ud800-\udfff]/g, '\ufffd'));
    fc.assert(fc.property(fc.array(fc.tuple(hostileResult(SLOTS), dir), { minLength: 1, maxLength: 3 }), (runs) => {
      const html = renderHistoryHtml(runs.map(([r, dir]) => historyEntry(r, dir)));
      expect(markupProblems(html)).toEqual([]);
      expect(count(html, /<svg\b/g)).toBe(count(html, /<\/svg>/g));
    }), { numRuns: RUNS });
  });

  it('Markdown: no raw HTML, links, code spans, emphasis, line breaks or block markers from input', () => {
    fc.assert(fc.property(withPrevious, ([r, previous]) => {
      const md = renderMarkdown(r, previous);
      expect(markdownProblems(md)).toEqual([]);
    }), { numRuns: RUNS });
  });
});

/**
 * What input text could have turned into Markdown syntax. Every ASCII punctuation character a
 * renderer acts on must come out backslash-escaped, except in the report's own constructs: `**`
 * strong text, the evidence link `[..](<http..>)`, code spans of plain identifiers, table pipes.
 */
function markdownProblems(md: string): string[] {
  const problems: string[] = [];
  if (/[\u0000-\u0009\u000b-\u001f]/.test(md)) problems.push(`control character ${JSON.stringify(md.match(/[\u0000-\u0009\u000b-\u001f]/)?.[0])}`);
  let header = 0;
  for (const line of md.split('\n')) {
    // Escaped characters are text; the report's own constructs are removed before the check.
    const bare = line
      .replace(/\\[!-/:-@[-`{-~]/g, '')
      .replace(/\]\(<https?:\/\/[^<>\s]*>\)/g, '](')
      .replace(/`[\w.:/@-]+`/g, '')
      .replace(/\*\*/g, '');
    for (const c of ['<', '>', '`', '&', '*', '~']) {
      if (bare.includes(c)) problems.push(`unescaped ${c} in: ${line.slice(0, 120)}`);
    }
    const brackets = count(bare, /[[\]]/g);
    if (brackets !== 0 && !(brackets === 2 && /^- \*\*Workflow id:\*\* \[[^]*\]\(</.test(line))) problems.push(`unescaped [ or ] in: ${line.slice(0, 120)}`);
    if (/_/.test(bare) && line !== '_The timeline chart is in report.html and report.pdf; the same facts in words follow._') problems.push(`unescaped _ in: ${line.slice(0, 120)}`);
    // Where a line starts, only the report's own block syntax may stand.
    if (line.startsWith('|')) {
      const pipes = count(line, /(?<!\\)\|/g);
      if (header === 0) header = pipes;
      else if (pipes !== header) problems.push(`table row with ${pipes} pipes, header has ${header}: ${line.slice(0, 120)}`);
      continue;
    }
    header = 0;
    const item = /^- ([^]*)$/.exec(line);
    const content = item ? item[1]! : line;
    // CommonMark indents with spaces and tabs only.
    if (/^([ \t]|[-+*]([ \t]|$)|\d{1,9}[.)]([ \t]|$)|=+[ \t]*$|-{3,}[ \t]*$)/.test(content) && !/^#{1,3} /.test(line)) {
      problems.push(`block marker from input at the start of: ${JSON.stringify(line.slice(0, 120))}`);
    }
  }
  return problems;
}
