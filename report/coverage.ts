import type { ObservationGap, ProbeCoverage, ProbeSegment } from './result.js';

// Coverage of a probe's timeline: how much of a window it actually observed. Shared by the
// probes engine (where a gap starts a new segment) and the measurement (which states coverage
// and refuses to judge across long gaps), so both use one definition of a gap.

/** Timeout assumed for checks that have none of their own (the kubernetes probe's API calls). */
export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

/**
 * Longer than this between two observations is a gap in observation: two intervals plus the
 * check's timeout is the longest a live probe loop takes between two checks (a check that hangs
 * until its timeout delays the next one), so only a lost worker or a stalled loop exceeds it.
 */
export function observationGapMs(intervalMs: number, timeoutMs?: number): number {
  return 2 * intervalMs + (timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
}

/** The gap threshold of a probe spec (any probe type: those without a timeout get the default). */
export function probeGapMs(p: { interval: number; timeout?: unknown }): number {
  return observationGapMs(p.interval, typeof p.timeout === 'number' ? p.timeout : undefined);
}

/**
 * Coverage of [from, to] by the segments' observations. A stretch without observation longer
 * than `gapMs` is a gap, including the stretch before the first observation and after the last;
 * shorter stretches are the ordinary spacing of ticks and count as observed.
 */
export function coverageOf(segments: ProbeSegment[], from: number, to: number, gapMs: number): ProbeCoverage {
  const windowMs = Math.max(0, to - from);
  const gaps: ObservationGap[] = [];
  const gap = (a: number, b: number) => {
    if (b - a > gapMs) gaps.push({ from: new Date(a).toISOString(), to: new Date(b).toISOString(), ms: b - a });
  };
  let cursor = from;
  let observations = 0;
  const inWindow = segments
    .map((s) => ({ from: Date.parse(s.from), to: Date.parse(s.to), count: s.count }))
    .filter((s) => s.to >= from && s.from <= to)
    .sort((a, b) => a.from - b.from);
  for (const s of inWindow) {
    const start = Math.max(s.from, from);
    if (start > cursor) gap(cursor, start);
    cursor = Math.max(cursor, Math.min(s.to, to));
    // A segment reaching back before the window counts the share of its ticks inside it.
    observations += s.from >= from || s.to === s.from ? s.count : Math.max(1, Math.round(s.count * (s.to - start) / (s.to - s.from)));
  }
  if (inWindow.length === 0) {
    if (windowMs > 0) gaps.push({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), ms: windowMs });
  } else {
    gap(cursor, to);
  }
  const unobserved = gaps.reduce((n, g) => n + g.ms, 0);
  const observedMs = Math.max(0, windowMs - unobserved);
  return {
    windowMs,
    observedMs,
    fraction: windowMs === 0 ? 1 : observedMs / windowMs,
    observations,
    longestGapMs: gaps.reduce((m, g) => Math.max(m, g.ms), 0),
    gaps,
  };
}

/**
 * The longest gap a figure can be judged across: a service can fail and become steady again
 * unseen in a stretch longer than stableFor plus two intervals.
 */
export function tolerableGapMs(p: { intervalMs: number; stableForMs: number }): number {
  return p.stableForMs + 2 * p.intervalMs;
}
