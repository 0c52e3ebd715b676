import type { KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { DrillResult } from './result.js';
import { computeResultHash, sealResult, verifyResult } from './evidence.js';
import { historyEntry, historyJson } from './history.js';
import { renderHistoryHtml } from './history-html.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderPdf } from './pdf.js';
import { findPreviousResult, runKey, scanResults, storeOf, type StoreRef } from './store.js';
import type { ReportStore } from './store-types.js';

// Writing a run's reports to the report store, then the history index over every run in it: the
// one module of report/ that writes (through the store; dir-store.ts and s3-store.ts do the I/O).

export { findPreviousResult } from './store.js';

export type ReportFormat = 'json' | 'md' | 'html' | 'pdf';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'md', 'html', 'pdf'];

/** "md,html" → ['md', 'html']; unknown names are an error that lists the valid ones. */
export function parseFormats(spec: string): { ok: true; formats: ReportFormat[] } | { ok: false; message: string } {
  const names = spec.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = names.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (bad.length || names.length === 0) {
    return { ok: false, message: `unknown report format ${bad.map((b) => `"${b}"`).join(', ') || '(none given)'}; choose from ${REPORT_FORMATS.join(', ')}` };
  }
  return { ok: true, formats: [...new Set(names as ReportFormat[])] };
}

export interface WriteOptions {
  /** The report store (a directory path is a directory store). */
  outDir: StoreRef;
  /** The drill's report.outDir: a key prefix under the store, already checked by the schema. */
  prefix?: string;
  formats?: readonly ReportFormat[];
  /** The previous run to compare with; undefined looks it up in the store, null means none. */
  previous?: DrillResult | null;
  /** ed25519 private key (FIREDRILL_SIGNING_KEY): a new result is signed with it. */
  signingKey?: KeyObject;
}

export interface WriteOutcome {
  /** Where the run's folder is: a path, or an s3:// URL. */
  dir: string;
  files: string[];
  warnings: string[];
}

/**
 * The recorded hash of the drill's last stored result before this one (any outcome), or null:
 * the link that lets `report verify --chain` notice a removed or edited run.
 */
async function previousHash(outDir: StoreRef, result: DrillResult): Promise<string | null> {
  const { results } = await scanResults(outDir, result.drill.name);
  const before = results
    .map((s) => s.result)
    .filter((r) => r.run.workflowId !== result.run.workflowId && Date.parse(r.run.startedAt) < Date.parse(result.run.startedAt))
    .sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt))
    .at(-1);
  return before ? before.evidence?.resultSha256 ?? computeResultHash(before) : null;
}

/** A sealed result; an already sealed one whose hash no longer matches is kept as is, and said. */
async function seal(result: DrillResult, warnings: string[], opts: WriteOptions): Promise<DrillResult> {
  if (!result.evidence?.resultSha256) {
    return sealResult(result, { previousResultSha256: await previousHash(opts.outDir, result), ...(opts.signingKey ? { signingKey: opts.signingKey } : {}) });
  }
  const v = verifyResult(result);
  if (!v.ok) warnings.push(`result ${result.run.workflowId} was changed after it was sealed: recorded sha256 ${v.expected}, content sha256 ${v.actual}; the report says so`);
  return result;
}

/** Rebuilds index.html and index.json at the store's root from every stored result.json. */
export async function writeHistoryIndex(outDir: StoreRef): Promise<{ files: string[]; warnings: string[] }> {
  const store = storeOf(outDir);
  const { results, warnings } = await scanResults(store);
  const entries = results.map((s) => historyEntry(s.result, s.relDir));
  await store.write('index.json', `${JSON.stringify(historyJson(entries), null, 2)}\n`, JSON_TYPE);
  await store.write('index.html', renderHistoryHtml(entries), HTML_TYPE);
  return { files: [store.where('index.html'), store.where('index.json')], warnings };
}

const JSON_TYPE = 'application/json';
const HTML_TYPE = 'text/html; charset=utf-8';

/** Chromium prints to a file: print in a scratch folder, then store the bytes. */
async function pdfInto(store: ReportStore, key: string, html: string): Promise<{ ok: true; file: string } | { ok: false; message: string }> {
  const tmp = await mkdtemp(join(os.tmpdir(), 'firedrill-pdf-'));
  try {
    const pdf = await renderPdf(html, join(tmp, 'report.pdf'));
    if (!pdf.ok) return pdf;
    await store.write(key, await readFile(pdf.file), 'application/pdf');
    return { ok: true, file: store.where(key) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Writes <prefix>/<drill>/<workflowId>/{result.json, report.md, report.html, report.pdf} for the
 * requested formats, then the history index. result.json is always written: it is the source of
 * truth that the history and later comparisons read back.
 */
export async function writeReports(result: DrillResult, opts: WriteOptions): Promise<WriteOutcome> {
  const store = storeOf(opts.outDir);
  const formats = new Set(opts.formats ?? REPORT_FORMATS);
  const warnings: string[] = [];
  const files: string[] = [];
  const sealed = await seal(result, warnings, { ...opts, outDir: store });
  const dir = runKey(sealed, opts.prefix);
  const previous = opts.previous === undefined
    ? await findPreviousResult(store, sealed.drill.name, sealed.run.startedAt)
    : opts.previous;
  const put = async (name: string, body: string, type: string) => {
    await store.write(`${dir}/${name}`, body, type);
    files.push(store.where(`${dir}/${name}`));
  };

  await put('result.json', `${JSON.stringify(sealed, null, 2)}\n`, JSON_TYPE);
  if (formats.has('md')) await put('report.md', renderMarkdown(sealed, previous), 'text/markdown; charset=utf-8');
  if (formats.has('html') || formats.has('pdf')) {
    const html = renderHtml(sealed, previous);
    if (formats.has('html')) await put('report.html', html, HTML_TYPE);
    if (formats.has('pdf')) {
      const pdf = await pdfInto(store, `${dir}/report.pdf`, html);
      if (pdf.ok) files.push(pdf.file);
      else warnings.push(pdf.message);
    }
  }
  const index = await writeHistoryIndex(store);
  files.push(...index.files);
  warnings.push(...index.warnings);
  return { dir: store.where(dir), files, warnings };
}
