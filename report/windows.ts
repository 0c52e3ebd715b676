import type { DrillResult, ProbeSegment, ProbeTimeline } from './result.js';
import { observationGapMs } from './coverage.js';
import { spanMs } from './format.js';

// The drill's windows and a probe's states as every report states them, defined once so the
// overview, the timeline text and the chart never disagree (README "What is measured").

export interface FaultWindows {
  /** First change to a node → T0; null when either is unknown (T0 not reached, or an older result). */
  injectionMs: number | null;
  /** T0 → restore start: the hold as it happened. */
  holdMs: number | null;
  /** First change → restore start: how long the fault was in place. */
  faultMs: number | null;
  /** timing.hold, as planned. */
  plannedHoldMs: number;
  injectStartedAt: string | null;
  t0: string | null;
  restoreStartedAt: string | null;
}

export function faultWindows(r: DrillResult): FaultWindows {
  const ms = r.measurements;
  // Results of older workers only know T0: their injection window is unknown, their fault window starts at T0.
  const start = ms.injectStartedAt ?? r.injection?.injectStartedAt ?? null;
  const t0 = ms.t0 ?? null;
  const restore = r.restore?.startedAt ?? ms.holdEndedAt ?? null;
  const nonNegative = (v: number | null): number | null => (v === null ? null : Math.max(0, v));
  return {
    injectionMs: nonNegative(spanMs(start, t0)),
    holdMs: nonNegative(spanMs(t0, restore)),
    faultMs: nonNegative(spanMs(start ?? t0, restore)),
    plannedHoldMs: r.drill.holdMs,
    injectStartedAt: start,
    t0,
    restoreStartedAt: restore,
  };
}

/** A stretch of one state, or of no observation, as the probe-state text and the chart show it. */
export interface StateRun {
  state: 'healthy' | 'failing' | 'unobserved';
  from: number;
  to: number;
  count: number;
  error?: string;
}

/** The probe's gap threshold: the same one coverage uses. */
export function gapThresholdMs(p: Pick<ProbeTimeline, 'gapMs' | 'intervalMs'>): number {
  return p.gapMs ?? observationGapMs(p.intervalMs);
}

/**
 * A probe's segments as runs of one state: adjacent segments of the same state merge (the phases
 * record separate segments), and a stretch without observation longer than the gap threshold
 * becomes an `unobserved` run; shorter ones are ordinary tick spacing, as in coverage.
 */
export function stateRuns(p: Pick<ProbeTimeline, 'segments' | 'gapMs' | 'intervalMs'>): StateRun[] {
  const gap = gapThresholdMs(p);
  const segs = [...p.segments]
    .map((s: ProbeSegment) => ({ s, from: Date.parse(s.from), to: Date.parse(s.to) }))
    .filter((x) => Number.isFinite(x.from) && Number.isFinite(x.to))
    .sort((a, b) => a.from - b.from);
  const runs: StateRun[] = [];
  for (const { s, from, to } of segs) {
    const state = s.healthy ? 'healthy' : 'failing';
    const last = runs.at(-1);
    if (last && from - last.to > gap) runs.push({ state: 'unobserved', from: last.to, to: from, count: 0 });
    const prev = runs.at(-1);
    if (prev && prev.state === state) {
      prev.to = Math.max(prev.to, to);
      prev.count += s.count;
      if (s.error) prev.error = s.error;
    } else {
      runs.push({ state, from, to: Math.max(from, to), count: s.count, ...(s.error ? { error: s.error } : {}) });
    }
  }
  return runs;
}
