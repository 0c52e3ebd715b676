import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DrillResult } from './result.js';
import { parseResultJson } from './schema.js';

// Where reports live: <outDir>/<drill>/<workflowId>/result.json, and reading them back.

/** A drill name or workflow id as one safe path segment (no separators, no dot-dot). */
export function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return s.length ? s.slice(0, 200) : '_';
}

export function runDir(outDir: string, result: Pick<DrillResult, 'drill' | 'run'>): string {
  return join(outDir, safeSegment(result.drill.name), safeSegment(result.run.workflowId));
}

export interface StoredResult {
  file: string;
  /** Folder of the run relative to outDir, with '/' separators (for links). */
  relDir: string;
  result: DrillResult;
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Every readable result under outDir; unreadable ones become warnings, never failures. */
export async function scanResults(outDir: string, onlyDrill?: string): Promise<{ results: StoredResult[]; warnings: string[] }> {
  const results: StoredResult[] = [];
  const warnings: string[] = [];
  const drills = onlyDrill === undefined ? await dirs(outDir) : [safeSegment(onlyDrill)];
  for (const drill of drills) {
    for (const run of await dirs(join(outDir, drill))) {
      const file = join(outDir, drill, run, 'result.json');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue;
      }
      const parsed = parseResultJson(text, file);
      if (parsed.ok) results.push({ file, relDir: `${drill}/${run}`, result: parsed.result });
      else warnings.push(`skipped ${parsed.message}`);
    }
  }
  return { results, warnings };
}

/**
 * The last run of the same drill that started before `beforeIso` and injected a fault, or null:
 * a refused or skipped run measured nothing, so there is nothing to compare with.
 */
export async function findPreviousResult(outDir: string, drillName: string, beforeIso: string): Promise<DrillResult | null> {
  const before = Date.parse(beforeIso);
  const { results } = await scanResults(outDir, drillName);
  const earlier = results
    .map((s) => s.result)
    .filter((r) => r.drill.name === drillName && Date.parse(r.run.startedAt) < before)
    .filter((r) => Boolean(r.measurements.injectStartedAt ?? r.measurements.t0))
    .sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt));
  return earlier.at(-1) ?? null;
}

/** The stored result.json of a run, found by its workflow id in any drill's folder. */
export async function findResultFileByRunId(outDir: string, runId: string): Promise<string | null> {
  const seg = safeSegment(runId);
  for (const drill of await dirs(outDir)) {
    if ((await dirs(join(outDir, drill))).includes(seg)) return join(outDir, drill, seg, 'result.json');
  }
  return null;
}
