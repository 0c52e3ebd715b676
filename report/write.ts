import type { KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './atomic-write.js';
import type { DrillResult } from './result.js';
import { computeResultHash, sealResult, verifyResult } from './evidence.js';
import { historyEntry, historyJson } from './history.js';
import { renderHistoryHtml } from './history-html.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderPdf } from './pdf.js';
import { findPreviousResult, runDir, scanResults } from './store.js';

// Writing a run's reports to disk, then the history index over all runs: the one module of
// report/ with file side effects (besides the store it reads through).

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
  outDir: string;
  formats?: readonly ReportFormat[];
  /** The previous run to compare with; undefined looks it up under outDir, null means none. */
  previous?: DrillResult | null;
  /** ed25519 private key (FIREDRILL_SIGNING_KEY): a new result is signed with it. */
  signingKey?: KeyObject;
}

export interface WriteOutcome {
  dir: string;
  files: string[];
  warnings: string[];
}

/**
 * The recorded hash of the drill's last stored result before this one (any outcome), or null:
 * the link that lets `report verify --chain` notice a removed or edited run.
 */
async function previousHash(outDir: string, result: DrillResult): Promise<string | null> {
  const { results } = await scanResults(outDir, result.drill.name);
  const before = results
    .map((s) => s.result)
    .filter((r) => r.drill.name === result.drill.name && r.run.workflowId !== result.run.workflowId && Date.parse(r.run.startedAt) < Date.parse(result.run.startedAt))
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

/** Rebuilds <outDir>/index.html and index.json from every stored result.json. */
export async function writeHistoryIndex(outDir: string): Promise<{ files: string[]; warnings: string[] }> {
  const { results, warnings } = await scanResults(outDir);
  const entries = results.map((s) => historyEntry(s.result, s.relDir));
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, 'index.json');
  const html = join(outDir, 'index.html');
  await writeAtomic(json, `${JSON.stringify(historyJson(entries), null, 2)}\n`);
  await writeAtomic(html, renderHistoryHtml(entries));
  return { files: [html, json], warnings };
}

/**
 * Writes <outDir>/<drill>/<workflowId>/{result.json, report.md, report.html, report.pdf} for the
 * requested formats, then the history index. result.json is always written: it is the source of
 * truth that the history and later comparisons read back.
 */
export async function writeReports(result: DrillResult, opts: WriteOptions): Promise<WriteOutcome> {
  const formats = new Set(opts.formats ?? REPORT_FORMATS);
  const warnings: string[] = [];
  const files: string[] = [];
  const sealed = await seal(result, warnings, opts);
  const dir = runDir(opts.outDir, sealed);
  await mkdir(dir, { recursive: true });
  const previous = opts.previous === undefined
    ? await findPreviousResult(opts.outDir, sealed.drill.name, sealed.run.startedAt)
    : opts.previous;

  const jsonFile = join(dir, 'result.json');
  await writeAtomic(jsonFile, `${JSON.stringify(sealed, null, 2)}\n`);
  files.push(jsonFile);
  if (formats.has('md')) {
    const file = join(dir, 'report.md');
    await writeAtomic(file, renderMarkdown(sealed, previous));
    files.push(file);
  }
  if (formats.has('html') || formats.has('pdf')) {
    const html = renderHtml(sealed, previous);
    if (formats.has('html')) {
      const file = join(dir, 'report.html');
      await writeAtomic(file, html);
      files.push(file);
    }
    if (formats.has('pdf')) {
      const pdf = await renderPdf(html, join(dir, 'report.pdf'));
      if (pdf.ok) files.push(pdf.file);
      else warnings.push(pdf.message);
    }
  }
  const index = await writeHistoryIndex(opts.outDir);
  files.push(...index.files);
  warnings.push(...index.warnings);
  return { dir, files, warnings };
}
