import type { ProbeSegment } from '../../report/result.js';

/**
 * Folds observations into segments of equal health, so the timeline records state changes rather
 * than every tick: a one-hour probe at one second stays a handful of segments when nothing happens.
 */
export class SegmentBuilder {
  readonly segments: ProbeSegment[];
  failed = 0;
  total = 0;
  /** Start of the current uninterrupted failing run, ms. */
  failingSince: number | undefined;

  /**
   * `gapMs`: observations further apart than this (a lost worker, a stalled loop) start a new
   * segment even with equal health, so the gap stays visible to the measurement's resolution.
   */
  constructor(initial: ProbeSegment[] = [], private readonly opts: { gapMs?: number } = {}) {
    this.segments = initial.map((s) => ({ ...s }));
    for (const s of this.segments) {
      this.total += s.count;
      if (!s.healthy) this.failed += s.count;
    }
    const last = this.segments.at(-1);
    this.failingSince = last && !last.healthy ? Date.parse(last.from) : undefined;
  }

  add(at: number, healthy: boolean, error?: string): void {
    this.total++;
    if (!healthy) this.failed++;
    const iso = new Date(at).toISOString();
    const last = this.segments.at(-1);
    const gap = last && this.opts.gapMs !== undefined && at - Date.parse(last.to) > this.opts.gapMs;
    if (last && last.healthy === healthy && !gap) {
      last.to = iso;
      last.count++;
      if (error) last.error = error;
    } else {
      this.segments.push({ from: iso, to: iso, healthy, count: 1, ...(error ? { error } : {}) });
    }
    this.failingSince = healthy ? undefined : (this.failingSince ?? at);
  }
}
