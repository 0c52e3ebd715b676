import type { DrillResult } from './result.js';
import { parseResultJson } from './schema.js';
import { createDirStore } from './dir-store.js';
import { joinKey } from './store-key.js';
import type { ReportStore } from './store-types.js';

// Where reports live: a store of keyed objects, <prefix>/<drill>/<workflowId>/result.json and
// its rendered reports beside it, and reading them back. The store is a directory (dir-store.ts)
// or an S3-compatible bucket (s3-store.ts); everything here works on either through keys.

export type { ReportStore } from './store-types.js';

/** A store, or the directory of a directory store (the form older callers and tests pass). */
export type StoreRef = ReportStore | string;

export function storeOf(ref: StoreRef): ReportStore {
  return typeof ref === 'string' ? createDirStore(ref) : ref;
}

/** A drill name or workflow id as one safe key segment (no separators, no dot-dot). */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return s.length ? s.slice(0, 200) : '_';
}

/** The key of a run's folder: <prefix>/<drill>/<workflowId>. */
export function runKey(result: Pick<DrillResult, 'drill' | 'run'>, prefix?: string): string {
  return joinKey(prefix, safeSegment(result.drill.name), safeSegment(result.run.workflowId));
}

/** The run folder of a directory store, as a path (kept for callers that print it). */
export function runDir(outDir: string, result: Pick<DrillResult, 'drill' | 'run'>, prefix?: string): string {
  return createDirStore(outDir).where(runKey(result, prefix));
}

export interface StoredResult {
  /** Where the result is (path or URL), for messages. */
  file: string;
  /** Key of the run's folder, '/'-separated (for links, relative to the history index). */
  relDir: string;
  result: DrillResult;
}

const RESULT = 'result.json';

/** Every readable result in the store; unreadable ones become warnings, never failures. */
export async function scanResults(ref: StoreRef, onlyDrill?: string): Promise<{ results: StoredResult[]; warnings: string[] }> {
  const store = storeOf(ref);
  const results: StoredResult[] = [];
  const warnings: string[] = [];
  const keys = (await store.list()).filter((k) => k.endsWith(`/${RESULT}`));
  for (const key of keys) {
    const relDir = key.slice(0, -RESULT.length - 1);
    // A drill's runs are folders named after it: skip the others unread.
    if (onlyDrill !== undefined && relDir.split('/').at(-2) !== safeSegment(onlyDrill)) continue;
    const text = await store.read(key);
    if (text === undefined) continue;
    const file = store.where(key);
    const parsed = parseResultJson(text, file);
    if (!parsed.ok) warnings.push(`skipped ${parsed.message}`);
    else if (onlyDrill === undefined || parsed.result.drill.name === onlyDrill) results.push({ file, relDir, result: parsed.result });
  }
  return { results, warnings };
}

/**
 * The last run of the same drill that started before `beforeIso` and injected a fault, or null:
 * a refused or skipped run measured nothing, so there is nothing to compare with.
 */
export async function findPreviousResult(ref: StoreRef, drillName: string, beforeIso: string): Promise<DrillResult | null> {
  const before = Date.parse(beforeIso);
  const { results } = await scanResults(ref, drillName);
  const earlier = results
    .map((s) => s.result)
    .filter((r) => Date.parse(r.run.startedAt) < before)
    .filter((r) => Boolean(r.measurements.injectStartedAt ?? r.measurements.t0))
    .sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt));
  return earlier.at(-1) ?? null;
}

/** The key of a run's folder, found by its workflow id (a drill's result or a game day's). */
export async function findRunKey(ref: StoreRef, runId: string): Promise<string | undefined> {
  const seg = safeSegment(runId);
  const key = (await storeOf(ref).list()).find((k) => {
    const parts = k.split('/');
    return parts.length >= 3 && parts.at(-2) === seg && (parts.at(-1) === RESULT || parts.at(-1) === 'gameday.json');
  });
  return key?.slice(0, key.lastIndexOf('/'));
}

/** Where the stored result.json of a run is (path or URL), found by its workflow id. */
export async function findResultFileByRunId(ref: StoreRef, runId: string): Promise<string | null> {
  const key = await findRunKey(ref, runId);
  return key === undefined ? null : storeOf(ref).where(`${key}/${RESULT}`);
}

/** A run's stored result, parsed, found by its workflow id. */
export async function readStoredResult(ref: StoreRef, runId: string): Promise<StoredResult | undefined> {
  const store = storeOf(ref);
  const key = await findRunKey(store, runId);
  if (key === undefined) return undefined;
  const text = await store.read(`${key}/${RESULT}`);
  if (text === undefined) return undefined;
  const parsed = parseResultJson(text, store.where(`${key}/${RESULT}`));
  return parsed.ok ? { file: store.where(`${key}/${RESULT}`), relDir: key, result: parsed.result } : undefined;
}
