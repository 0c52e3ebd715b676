// Measurement, exactly as README "What is measured" defines it, as pure functions of the recorded timeline.
// Pure so that the workflow can compute figures deterministically and tests can pin them down.
import type { ObjectiveSpec } from '../drills/schema/index.js';
import type {
  Measurements, ObjectiveResult, ProbeMeasurement, ProbeSegment, ProbeTimeline, RpoMeasurement, WorkloadCapacity,
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
 * The probe interval, or a longer gap in observation (the worker was lost and resumed): that
 * widens what the figure can claim. Ordinary jitter between ticks is not a gap.
 */
function resolutionOf(p: ProbeTimeline, t0: number): number {
  const gap = longestGap(p.segments, t0);
  return gap > 1.5 * p.intervalMs ? gap : p.intervalMs;
}

export function measureProbe(p: ProbeTimeline, t0: number, restoreAt: number | null, failback: ProbeSegment[] | null): ProbeMeasurement {
  const detected = firstFailureAt(p.segments, t0);
  let rtoMs: number | null;
  if (detected === null) rtoMs = 0;
  else {
    const stable = firstStableAt(p.segments, detected, p.stableForMs);
    rtoMs = stable === null ? null : stable - t0;
  }
  let failbackMs: number | null = null;
  if (restoreAt !== null && failback) {
    const stable = firstStableAt(failback, restoreAt, p.stableForMs);
    failbackMs = stable === null ? null : Math.max(0, stable - restoreAt);
  }
  return {
    probe: p.name,
    resolutionMs: resolutionOf(p, t0),
    detectedAt: detected === null ? null : new Date(detected).toISOString(),
    rtoMs,
    impact: detected !== null,
    recovered: rtoMs !== null,
    failbackMs,
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
  return { probe: r.probe, resolutionMs: r.intervalMs, acknowledged: r.acknowledged, missing: r.missing, rpoMs };
}

export interface CapacityReading {
  kind: string;
  namespace: string;
  name: string;
  desired: number;
  readyBefore: number;
  readyInTargetBefore: number;
  segments: ProbeSegment[];
}

/** Capacity recovery: from T0 until the workload stays at its desired ready replicas outside the target. */
export function measureCapacity(c: CapacityReading, t0: number): WorkloadCapacity {
  const runsOf = healthRuns(c.segments);
  const last = runsOf.at(-1);
  let recoveryMs: number | null = null;
  // Recovered means healthy at the end and since some moment: the start of the final healthy run.
  if (last?.healthy) recoveryMs = Math.max(0, last.from - t0);
  return {
    kind: c.kind, namespace: c.namespace, name: c.name, desired: c.desired,
    readyBefore: c.readyBefore, readyInTargetBefore: c.readyInTargetBefore,
    readyOutsideAfter: last?.healthy ? c.desired : 0,
    recovered: recoveryMs !== null,
    recoveryMs,
  };
}

export function errorBudget(probes: Array<{ failed: number; total: number }>): Measurements['errorBudget'] {
  const failed = probes.reduce((n, p) => n + p.failed, 0);
  const total = probes.reduce((n, p) => n + p.total, 0);
  return { failed, total, used: total === 0 ? 0 : failed / total };
}

export function evaluateObjectives(objectives: ObjectiveSpec[], m: Measurements): ObjectiveResult[] {
  return objectives.map((o): ObjectiveResult => {
    switch (o.type) {
      case 'rto': {
        const rows = o.probe ? m.probes.filter((p) => p.probe === o.probe) : m.probes;
        const missing = rows.some((p) => p.rtoMs === null);
        const measured = missing || rows.length === 0 ? null : Math.max(...rows.map((p) => p.rtoMs as number));
        const resolutionMs = Math.max(0, ...rows.map((p) => p.resolutionMs));
        const noImpact = rows.length > 0 && rows.every((p) => !p.impact);
        return {
          type: 'rto', ...(o.probe ? { probe: o.probe } : {}), target: o.target, measured, unit: 'ms', resolutionMs,
          met: measured !== null && measured <= o.target,
          note: measured === null ? 'not recovered within the hold: breach' : noImpact ? 'no impact' : undefined,
        };
      }
      case 'rpo': {
        const r = m.rpo.find((x) => x.probe === o.probe);
        const measured = r?.rpoMs ?? null;
        return {
          type: 'rpo', probe: o.probe, target: o.target, measured, unit: 'ms', resolutionMs: r?.resolutionMs,
          met: measured !== null && measured <= o.target,
          note: measured === null ? 'data could not be read back: breach' : r && r.missing > 0 ? `${r.missing} of ${r.acknowledged} acknowledged writes lost` : 'no acknowledged write lost',
        };
      }
      case 'capacity': {
        const c = m.capacity;
        const measured = c?.recoveryMs ?? null;
        return {
          type: 'capacity', target: o.target, measured, unit: 'ms', resolutionMs: c?.resolutionMs,
          met: measured !== null && measured <= o.target,
          note: measured === null ? 'capacity not recovered within the hold: breach' : undefined,
        };
      }
      case 'errorBudget':
        return { type: 'errorBudget', target: o.max, measured: m.errorBudget.used, unit: 'fraction', met: m.errorBudget.used <= o.max };
    }
  });
}
