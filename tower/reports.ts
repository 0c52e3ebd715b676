import { groupHistory, historyEntry, type DrillHistory, type HistoryEntry } from '../report/history.js';
import { renderHtml } from '../report/html.js';
import { parseResultJson } from '../report/schema.js';
import { findRunKey, scanResults, storeOf, type StoreRef } from '../report/store.js';

// The report store as the tower reads it: a run's report by workflow id, and the history of
// every stored run, filtered. Read on every request, through the store (a directory or a
// bucket): the store is the only truth.

export type StoredReport =
  | { kind: 'html'; body: string; rendered: boolean }
  | { kind: 'text'; body: string };

/** The key of the run's folder in the store, when its result (or game-day result) was written. */
export async function runFolder(store: StoreRef, workflowId: string): Promise<string | undefined> {
  return findRunKey(store, workflowId);
}

/**
 * The report of a run: its report.html when written, else rendered from result.json with the
 * same renderer (a drill may keep only JSON), else a game day's gameday.md.
 */
export async function readReport(ref: StoreRef, workflowId: string): Promise<StoredReport | undefined> {
  const store = storeOf(ref);
  const dir = await runFolder(store, workflowId);
  if (dir === undefined) return undefined;
  const html = await store.read(`${dir}/report.html`).catch(() => undefined);
  if (html !== undefined) return { kind: 'html', body: html, rendered: false };
  const json = await store.read(`${dir}/result.json`).catch(() => undefined);
  if (json !== undefined) {
    const parsed = parseResultJson(json, 'result.json');
    if (parsed.ok) return { kind: 'html', body: renderHtml(parsed.result), rendered: true };
  }
  const md = await store.read(`${dir}/gameday.md`).catch(() => undefined);
  return md === undefined ? undefined : { kind: 'text', body: md };
}

/** The run folder names of the store (safeSegment of workflow ids), from one listing. */
export async function storedRunSegments(ref: StoreRef): Promise<Set<string>> {
  const out = new Set<string>();
  for (const key of await storeOf(ref).list().catch(() => [] as string[])) {
    const parts = key.split('/');
    if (parts.length >= 3 && (parts.at(-1) === 'result.json' || parts.at(-1) === 'gameday.json')) out.add(parts.at(-2)!);
  }
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

export async function readHistory(outDir: StoreRef, filter: HistoryFilter): Promise<HistoryModel> {
  const { results, warnings } = await scanResults(outDir);
  return historyModel(results.map((s) => historyEntry(s.result, s.relDir)), filter, warnings);
}
