import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { groupHistory, historyEntry, type DrillHistory, type HistoryEntry } from '../report/history.js';
import { renderHtml } from '../report/html.js';
import { parseResultJson } from '../report/schema.js';
import { findResultFileByRunId, scanResults } from '../report/store.js';

// The report store as the tower reads it: a run's report by workflow id, and the history of
// every stored run, filtered. Read on every request; the folder is the only truth.

export type StoredReport =
  | { kind: 'html'; body: string; rendered: boolean }
  | { kind: 'text'; body: string };

const exists = (f: string) => access(f).then(() => true, () => false);

/** The run's folder in the store, when its result (or game-day result) was written. */
export async function runFolder(outDir: string, workflowId: string): Promise<string | undefined> {
  const file = await findResultFileByRunId(outDir, workflowId);
  if (!file) return undefined;
  const dir = path.dirname(file);
  return (await exists(file)) || (await exists(path.join(dir, 'gameday.json'))) ? dir : undefined;
}

/**
 * The report of a run: its report.html when written, else rendered from result.json with the
 * same renderer (a drill may keep only JSON), else a game day's gameday.md.
 */
export async function readReport(outDir: string, workflowId: string): Promise<StoredReport | undefined> {
  const dir = await runFolder(outDir, workflowId);
  if (!dir) return undefined;
  const html = await readFile(path.join(dir, 'report.html'), 'utf8').catch(() => undefined);
  if (html !== undefined) return { kind: 'html', body: html, rendered: false };
  const json = await readFile(path.join(dir, 'result.json'), 'utf8').catch(() => undefined);
  if (json !== undefined) {
    const parsed = parseResultJson(json, 'result.json');
    if (parsed.ok) return { kind: 'html', body: renderHtml(parsed.result), rendered: true };
  }
  const md = await readFile(path.join(dir, 'gameday.md'), 'utf8').catch(() => undefined);
  return md === undefined ? undefined : { kind: 'text', body: md };
}

/** The run folder names of the store (safeSegment of workflow ids), from one walk of two levels. */
export async function storedRunSegments(outDir: string): Promise<Set<string>> {
  const out = new Set<string>();
  const list = (dir: string) => readdir(dir, { withFileTypes: true }).then((es) => es.filter((e) => e.isDirectory()).map((e) => e.name), () => [] as string[]);
  for (const drill of await list(outDir)) for (const run of await list(path.join(outDir, drill))) out.add(run);
  return out;
}

export interface HistoryFilter {
  drill?: string;
  quarter?: string;
}

export interface HistoryModel {
  filter: HistoryFilter;
  /** Every drill and quarter in the store, for the filter's choices. */
  drills: string[];
  quarters: string[];
  /** The filtered runs, per drill, oldest first, with their trends. */
  groups: DrillHistory[];
  total: number;
  warnings: string[];
}

/** Pure: the history page's model from the store's entries. */
export function historyModel(entries: HistoryEntry[], filter: HistoryFilter, warnings: string[] = []): HistoryModel {
  const drills = [...new Set(entries.map((e) => e.drill))].sort();
  const quarters = [...new Set(entries.map((e) => e.quarter))].sort().reverse();
  const shown = entries.filter((e) => (!filter.drill || e.drill === filter.drill) && (!filter.quarter || e.quarter === filter.quarter));
  return { filter, drills, quarters, groups: groupHistory(shown), total: shown.length, warnings };
}

export async function readHistory(outDir: string, filter: HistoryFilter): Promise<HistoryModel> {
  const { results, warnings } = await scanResults(outDir);
  return historyModel(results.map((s) => historyEntry(s.result, s.relDir)), filter, warnings);
}
