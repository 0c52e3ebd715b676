// Measurement, exactly as README "What is measured" defines it, as pure functions of the recorded timeline.
// Pure so that the workflow can compute figures deterministically and tests can pin them down.
import type { ObjectiveSpec } from '../drills/schema/index.js';
import { coverageOf, observationGapMs, tolerableGapMs } from '../report/coverage.js';
import { formatDuration, formatMeasuredMs } from '../report/format.js';
import type {
  Measurements, ObjectiveResult, ObjectiveStatus, ProbeCoverage, ProbeMeasurement, ProbeSegment, ProbeTimeline, RpoMeasurement, WorkloadCapacity,
} from '../report/result.js';
import { firstStableAt, healthRuns, steadyAtEnd } from '../report/steadiness.js';

export { firstStableAt, steadyAtEnd };

const ms = (iso: string) => Date.parse(iso);

/** First failed observation at or after t. */
export function firstFailureAt(segments: ProbeSegment[], t: number): number | null {
  for (const s of segments) {
    if (!s.healthy && ms(s.to) >= t) return Math.max(ms(s.from), t);
  }
  return null;
}

/** The longest stretch without observations that ends after `after`. */
export function longestGap(segments: ProbeSegment[], after: number): number {
  let gap = 0;
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1] as ProbeSegment;
    const cur = segments[i] as ProbeSegment;
    if (ms(cur.from) <= after) continue;
    gap = Math.max(gap, ms(cur.from) - Math.max(ms(prev.to), after));
  }
  return gap;
}

/**
 * The probe interval, or a longer stretch without observation (the worker was lost and resumed,
 * or the probe started late): that widens what the figure can claim. Ordinary jitter between
 * ticks is not a gap.
 */
function resolutionOf(p: ProbeTimeline, from: number, coverage: ProbeCoverage): number {
  return segmentResolution(p.segments, from, p.intervalMs, coverage.longestGapMs);
}

/** The interval, or the longest stretch without observation after `from` when over 1.5 intervals. */
export function segmentResolution(segments: ProbeSegment[], from: number, intervalMs: number, alsoGapMs = 0): number {
  const gap = Math.max(longestGap(segments, from), alsoGapMs);
  return gap > 1.5 * intervalMs ? gap : intervalMs;
}

/**
 * One probe over the measured window [from, to]: from the first change to a node (injection
 * start) until restore started. `to` defaults to the last observation.
 */
export function measureProbe(p: ProbeTimeline, from: number, restoreAt: number | null, failback: ProbeSegment[] | null, to?: number): ProbeMeasurement {
  const end = to ?? Math.max(from, ...p.segments.map((s) => ms(s.to)));
  const coverage = coverageOf(p.segments, from, end, p.gapMs ?? observationGapMs(p.intervalMs));
  let failbackMs: number | null = null;
  if (restoreAt !== null && failback) {
    const stable = firstStableAt(failback, restoreAt, p.stableForMs);
    failbackMs = stable === null ? null : Math.max(0, stable - restoreAt);
  }
  const resolutionMs = resolutionOf(p, from, coverage);
  if (coverage.observations === 0) {
    // Nothing seen is not "no impact": there is no figure at all.
    return {
      probe: p.name, resolutionMs, detectedAt: null, rtoMs: null, impact: false, recovered: false, failbackMs, coverage,
      inconclusive: 'no observation in the hold',
    };
  }
  const detected = firstFailureAt(p.segments, from);
  let rtoMs: number | null;
  if (detected === null) rtoMs = 0;
  else {
    const stable = firstStableAt(p.segments, detected, p.stableForMs);
    rtoMs = stable === null ? null : stable - from;
  }
  const tolerable = tolerableGapMs(p);
  return {
    probe: p.name,
    resolutionMs,
    detectedAt: detected === null ? null : new Date(detected).toISOString(),
    rtoMs,
    impact: detected !== null,
    recovered: rtoMs !== null,
    failbackMs,
    coverage,
    ...(coverage.longestGapMs > tolerable ? {
      inconclusive: `no observation for ${formatDuration(coverage.longestGapMs)}, longer than stableFor + 2 intervals (${formatDuration(tolerable)}): an outage could have come and gone unseen`,
    } : {}),
  };
}

export interface RpoReading {
  probe: string;
  intervalMs: number;
  acknowledged: number;
  missing: number;
  firstMissingAt: string | null;
  lastMissingAt: string | null;
  error?: string;
  reads?: number;
  agreed?: boolean;
}

/**
 * RPO: the time span of acknowledged writes missing after failover. Each marker stands for one
 * probe interval of writes, so the span is (last missing − first missing) + one interval.
 */
export function measureRpo(r: RpoReading): RpoMeasurement {
  let rpoMs: number | null;
  if (r.error) rpoMs = null;
  else if (r.missing === 0 || !r.firstMissingAt || !r.lastMissingAt) rpoMs = 0;
  else rpoMs = ms(r.lastMissingAt) - ms(r.firstMissingAt) + r.intervalMs;
  return {
    probe: r.probe, resolutionMs: r.intervalMs, acknowledged: r.acknowledged, missing: r.missing, rpoMs,
    ...(r.reads !== undefined ? { reads: r.reads } : {}), ...(r.agreed !== undefined ? { agreed: r.agreed } : {}),
  };
}

export interface CapacityReading {
  kind: string;
  namespace: string;
  name: string;
  desired: number;
  readyBefore: number;
  readyInTargetBefore: number;
  segments: ProbeSegment[];
  /** Ready replicas outside the target at the last observation; undefined = never observed. */
  readyOutsideLast?: number;
}

/** Capacity recovery: from `from` (injection start) until the workload stays at its desired ready replicas outside the target. */
export function measureCapacity(c: CapacityReading, from: number): WorkloadCapacity {
  const runsOf = healthRuns(c.segments);
  const last = runsOf.at(-1);
  let recoveryMs: number | null = null;
  // Recovered means healthy at the end and since some moment: the start of the final healthy run.
  if (last?.healthy) recoveryMs = Math.max(0, last.from - from);
  return {
    kind: c.kind, namespace: c.namespace, name: c.name, desired: c.desired,
    readyBefore: c.readyBefore, readyInTargetBefore: c.readyInTargetBefore,
    // What the last observation counted, never inferred from health.
    readyOutsideAfter: c.readyOutsideLast ?? null,
    recovered: recoveryMs !== null,
    recoveryMs,
  };
}

export function errorBudget(probes: Array<{ failed: number; total: number }>): Measurements['errorBudget'] {
  const failed = probes.reduce((n, p) => n + p.failed, 0);
  const total = probes.reduce((n, p) => n + p.total, 0);
  return { failed, total, used: total === 0 ? 0 : failed / total };
}

/** The objectives a drill is judged by: the spec's, and failback unless the spec states its own. */
export type JudgedObjective = ObjectiveSpec | { type: 'failback'; target: number };

/** Failback's target when the drill names none: back to steady state within two minutes of restore. */
export const DEFAULT_FAILBACK_TARGET_MS = 120_000;

export function judgedObjectives(objectives: readonly JudgedObjective[]): JudgedObjective[] {
  return objectives.some((o) => o.type === 'failback') ? [...objectives] : [...objectives, { type: 'failback', target: DEFAULT_FAILBACK_TARGET_MS }];
}

type Verdict = { status: ObjectiveStatus; note?: string };

/**
 * The rule: met only when measured + resolution is within the target; over the target is missed;
 * in between the figure cannot tell, which is inconclusive, never met.
 */
export function judge(measured: number, resolutionMs: number, target: number, metNote?: string): Verdict {
  if (measured > target) return { status: 'missed', note: `${formatMeasuredMs(measured, resolutionMs)} is over the target of ${formatDuration(target)}` };
  if (measured + resolutionMs <= target) return { status: 'met', ...(metNote ? { note: metNote } : {}) };
  return { status: 'inconclusive', note: `within the target of ${formatDuration(target)} only by less than the resolution (${formatMeasuredMs(measured, resolutionMs)})` };
}

/** Why the probes' observation cannot support a time figure against `target`, if it cannot. */
function coverageVerdict(rows: ProbeMeasurement[], target: number, what: string): Verdict | null {
  const unseen = rows.filter((p) => p.coverage?.observations === 0);
  if (unseen.length) return { status: 'inconclusive', note: `no observation in the hold (${unseen.map((p) => p.probe).join(', ')}): ${what} not measured` };
  const gapped = rows.find((p) => p.inconclusive);
  if (gapped) return { status: 'inconclusive', note: `${gapped.probe}: ${gapped.inconclusive}` };
  const overTarget = rows.find((p) => (p.coverage?.longestGapMs ?? 0) > target);
  if (overTarget) {
    return { status: 'inconclusive', note: `${overTarget.probe}: no observation for ${formatDuration(overTarget.coverage?.longestGapMs ?? 0)}, longer than the target` };
  }
  return null;
}

export function evaluateObjectives(objectives: readonly JudgedObjective[], m: Measurements): ObjectiveResult[] {
  const result = (base: Omit<ObjectiveResult, 'met' | 'status' | 'note'>, v: Verdict): ObjectiveResult => ({
    ...base, met: v.status === 'met', status: v.status, ...(v.note !== undefined ? { note: v.note } : {}),
  });
  return objectives.map((o): ObjectiveResult => {
    switch (o.type) {
      case 'rto': {
        const rows = o.probe ? m.probes.filter((p) => p.probe === o.probe) : m.probes;
        const missing = rows.some((p) => p.rtoMs === null);
        const measured = missing || rows.length === 0 ? null : Math.max(...rows.map((p) => p.rtoMs as number));
        const resolutionMs = Math.max(0, ...rows.map((p) => p.resolutionMs));
        const base = { type: 'rto' as const, ...(o.probe ? { probe: o.probe } : {}), target: o.target, measured, unit: 'ms' as const, resolutionMs };
        if (rows.length === 0) return result(base, { status: 'inconclusive', note: 'no probe was measured' });
        const cov = coverageVerdict(rows, o.target, 'RTO');
        if (cov) return result(base, cov);
        if (measured === null) return result(base, { status: 'missed', note: 'not recovered within the hold: breach' });
        return result(base, judge(measured, resolutionMs, o.target, rows.every((p) => !p.impact) ? 'no impact' : undefined));
      }
      case 'rpo': {
        const r = m.rpo.find((x) => x.probe === o.probe);
        const measured = r?.rpoMs ?? null;
        const base = { type: 'rpo' as const, probe: o.probe, target: o.target, measured, unit: 'ms' as const, resolutionMs: r?.resolutionMs };
        const line = m.probes.filter((p) => p.probe === o.probe);
        const cov = coverageVerdict(line, o.target, 'RPO');
        if (cov) return result(base, cov);
        if (!r) return result(base, { status: 'inconclusive', note: 'no read-back was made: RPO not measured' });
        if (measured === null) return result(base, { status: 'missed', note: 'data could not be read back: breach' });
        // No lost marker is an exact count (0 of N), not a time estimate: nothing to widen.
        const margin = r.missing === 0 ? 0 : r.resolutionMs;
        const v = judge(measured, margin, o.target);
        const lost = r.missing > 0 ? `${r.missing} of ${r.acknowledged} acknowledged writes lost` : 'no acknowledged write lost';
        return result(base, { status: v.status, note: v.status === 'met' ? lost : `${lost}; ${v.note}` });
      }
      case 'capacity': {
        const c = m.capacity;
        const measured = c?.recoveryMs ?? null;
        const base = { type: 'capacity' as const, target: o.target, measured, unit: 'ms' as const, resolutionMs: c?.resolutionMs };
        const unseen = (c?.workloads ?? []).filter((w) => w.readyOutsideAfter === null);
        if (!c) return result(base, { status: 'inconclusive', note: 'capacity was not observed' });
        if (unseen.length) return result(base, { status: 'inconclusive', note: `never observed: ${unseen.map((w) => `${w.kind} ${w.namespace}/${w.name}`).join(', ')}` });
        if (measured === null) return result(base, { status: 'missed', note: 'capacity not recovered within the hold: breach' });
        return result(base, judge(measured, c.resolutionMs, o.target));
      }
      case 'errorBudget': {
        const base = { type: 'errorBudget' as const, target: o.max, measured: m.errorBudget.used, unit: 'fraction' as const };
        if (m.errorBudget.total === 0) return result(base, { status: 'inconclusive', note: 'no observation in the hold' });
        return result(base, m.errorBudget.used <= o.max ? { status: 'met' } : { status: 'missed', note: `${m.errorBudget.failed} of ${m.errorBudget.total} observations failed` });
      }
      case 'failback': {
        const f = m.failback;
        const measured = f?.ms ?? null;
        const base = { type: 'failback' as const, target: o.target, measured, unit: 'ms' as const, resolutionMs: f?.resolutionMs };
        if (!f) return result(base, { status: 'inconclusive', note: 'failback was not observed after restore' });
        if (measured === null) return result(base, { status: 'missed', note: 'did not return to steady state after restore: breach' });
        return result(base, judge(measured, f.resolutionMs, o.target));
      }
    }
  });
}
