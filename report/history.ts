import type { DrillResult, ObjectiveResult, Outcome } from './result.js';
import { quarterOf } from './format.js';
import type { TrendPoint } from './trend-svg.js';

// The history of every drill: one entry per stored run, and per drill the RTO/RPO trend across
// runs and quarters. Pure: scanning the report folder is store.ts's job.

/** "4 of 5", or "not run" for a run that judged nothing (refused, skipped, stopped before injecting). */
export function objectivesText(e: Pick<HistoryEntry, 'objectivesMet' | 'objectivesTotal'>): string {
  return e.objectivesTotal === 0 ? 'not run' : `${e.objectivesMet} of ${e.objectivesTotal}`;
}

export const HISTORY_SCHEMA_VERSION = 'firedrill.dev/history/v1';

type Figure = { ms: number | null; status: TrendPoint['status']; targetMs: number | null; inconclusive?: boolean };

export interface HistoryEntry {
  drill: string;
  workflowId: string;
  runId: string;
  startedAt: string;
  quarter: string;
  outcome: Outcome;
  outcomeReason: string;
  objectivesMet: number;
  objectivesTotal: number;
  /** Overall RTO: the worst probe's; a breach when any impacted probe did not recover. */
  rto: Figure;
  /** Overall RPO: the worst data probe's. */
  rpo: Figure;
  /** Run folder relative to the history index, '/'-separated. */
  dir: string;
}

/** The overall target: the objective without a probe, else the loosest per-probe target. */
function targetOf(objectives: ObjectiveResult[], type: 'rto' | 'rpo'): number | null {
  const of = objectives.filter((o) => o.type === type);
  const overall = of.find((o) => o.probe === undefined);
  if (overall) return overall.target;
  return of.length ? Math.max(...of.map((o) => o.target)) : null;
}

/** A fault went in: results of older workers only know T0. */
function measured(r: DrillResult): boolean {
  return Boolean(r.measurements.injectStartedAt ?? r.measurements.t0);
}

function overallRto(r: DrillResult): Figure {
  const targetMs = targetOf(r.objectives, 'rto');
  if (!measured(r) || r.measurements.probes.length === 0) return { ms: null, status: 'not measured', targetMs };
  // A figure across a gap in observation is no figure: the trend shows no point for it.
  if (r.measurements.probes.some((p) => p.inconclusive)) return { ms: null, status: 'not measured', targetMs, inconclusive: true };
  const hit = r.measurements.probes.filter((p) => p.impact);
  if (hit.some((p) => p.rtoMs === null)) return { ms: null, status: 'breach', targetMs };
  return { ms: Math.max(0, ...hit.map((p) => p.rtoMs ?? 0)), status: 'measured', targetMs };
}

function overallRpo(r: DrillResult): Figure {
  const targetMs = targetOf(r.objectives, 'rpo');
  const rpo = r.measurements.rpo;
  if (!measured(r) || rpo.length === 0) return { ms: null, status: 'not measured', targetMs };
  const names = new Set(rpo.map((p) => p.probe));
  if (r.measurements.probes.some((p) => names.has(p.probe) && p.inconclusive)) return { ms: null, status: 'not measured', targetMs, inconclusive: true };
  if (rpo.some((p) => p.rpoMs === null)) return { ms: null, status: 'breach', targetMs };
  return { ms: Math.max(0, ...rpo.map((p) => p.rpoMs ?? 0)), status: 'measured', targetMs };
}

export function historyEntry(result: DrillResult, dir: string): HistoryEntry {
  return {
    drill: result.drill.name,
    workflowId: result.run.workflowId,
    runId: result.run.runId,
    startedAt: result.run.startedAt,
    quarter: quarterOf(result.run.startedAt),
    outcome: result.outcome,
    outcomeReason: result.outcomeReason,
    objectivesMet: result.objectives.filter((o) => o.met).length,
    objectivesTotal: result.objectives.length,
    rto: overallRto(result),
    rpo: overallRpo(result),
    dir,
  };
}

export interface DrillHistory {
  drill: string;
  /** Oldest first. */
  runs: HistoryEntry[];
  trend: { rto: TrendPoint[]; rpo: TrendPoint[] };
}

function point(e: HistoryEntry, f: Figure): TrendPoint {
  return { startedAt: e.startedAt, quarter: e.quarter, value: f.ms, status: f.status, targetMs: f.targetMs };
}

/** Entries grouped per drill (by name), runs oldest first, with their trend series. */
export function groupHistory(entries: HistoryEntry[]): DrillHistory[] {
  const byDrill = new Map<string, HistoryEntry[]>();
  for (const e of entries) byDrill.set(e.drill, [...(byDrill.get(e.drill) ?? []), e]);
  return [...byDrill.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([drill, runs]) => {
      const sorted = [...runs].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.workflowId.localeCompare(b.workflowId));
      return {
        drill,
        runs: sorted,
        trend: { rto: sorted.map((e) => point(e, e.rto)), rpo: sorted.map((e) => point(e, e.rpo)) },
      };
    });
}

/** The machine-readable index (index.json). */
export function historyJson(entries: HistoryEntry[]): { schemaVersion: string; drills: DrillHistory[] } {
  return { schemaVersion: HISTORY_SCHEMA_VERSION, drills: groupHistory(entries) };
}
