// Steady state over a probe's recorded segments: pure, so the probes (deciding when a baseline
// may stop) and the measurement (judging it) use one definition.
import type { ProbeSegment } from './result.js';

const ms = (iso: string) => Date.parse(iso);

/** Consecutive segments of equal health merged, each as [from, to] in ms. */
export function healthRuns(segments: ProbeSegment[]): Array<{ healthy: boolean; from: number; to: number }> {
  const out: Array<{ healthy: boolean; from: number; to: number }> = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (last && last.healthy === s.healthy) last.to = ms(s.to);
    else out.push({ healthy: s.healthy, from: ms(s.from), to: ms(s.to) });
  }
  return out;
}

/**
 * First moment at or after `after` from which the observations stay healthy for stableFor.
 * A healthy run that reaches the end of observation only counts once it is stableFor long.
 */
export function firstStableAt(segments: ProbeSegment[], after: number, stableForMs: number): number | null {
  for (const r of healthRuns(segments)) {
    if (!r.healthy || r.to < after) continue;
    const start = Math.max(r.from, after);
    if (r.to - start >= stableForMs) return start;
  }
  return null;
}

/**
 * Steady state now: the newest observation is healthy and the healthy run it ends has lasted
 * stableFor, counted from `after`. The baseline's stop rule and its verdict both use this, so
 * a baseline that stopped as steady is also judged steady.
 */
export function steadyAtEnd(segments: ProbeSegment[], after: number, stableForMs: number): boolean {
  const last = healthRuns(segments).at(-1);
  if (!last?.healthy || last.to < after) return false;
  return last.to - Math.max(last.from, after) >= stableForMs;
}

