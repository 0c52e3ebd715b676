import { describe, expect, it } from 'vitest';
import { SegmentBuilder } from '../../../activities/probes/segments.js';
import { longestGap, measureProbe } from '../../../workflows/measure.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const s = (sec: number) => T + sec * 1000;

describe('probe segments and gaps in observation', () => {
  it('folds equal observations into one segment and counts failures', () => {
    const b = new SegmentBuilder([], { gapMs: 5_000 });
    for (let i = 0; i < 5; i++) b.add(s(i), true);
    b.add(s(5), false, 'HTTP 503');
    b.add(s(6), false);
    b.add(s(7), true);
    expect(b.segments.map((x) => [x.healthy, x.count])).toEqual([[true, 5], [false, 2], [true, 1]]);
    expect(b.failed).toBe(2);
    expect(b.total).toBe(8);
    expect(b.segments[1]?.error).toBe('HTTP 503');
  });

  it('starts a new segment after a gap even with equal health, and the gap widens the RTO resolution', () => {
    const b = new SegmentBuilder([], { gapMs: 5_000 });
    b.add(s(0), true);
    b.add(s(1), true);
    // The worker was lost for 14 s: nothing was observed between 1 s and 15 s.
    b.add(s(15), true);
    b.add(s(16), true);
    expect(b.segments).toHaveLength(2);
    expect(longestGap(b.segments, T)).toBe(14_000);
    const m = measureProbe({ name: 'web', type: 'http', intervalMs: 1000, stableForMs: 2000, segments: b.segments }, s(0), null, null);
    expect(m.rtoMs).toBe(0);
    expect(m.resolutionMs).toBe(14_000);
  });

  it('without gaps the resolution is the probe interval; gaps before T0 do not count', () => {
    const b = new SegmentBuilder([], { gapMs: 5_000 });
    b.add(s(0), true);
    b.add(s(20), true);
    for (let i = 21; i < 30; i++) b.add(s(i), i < 24);
    b.add(s(30), true);
    const m = measureProbe({ name: 'web', type: 'http', intervalMs: 1000, stableForMs: 0, segments: b.segments }, s(21), null, null);
    expect(m.resolutionMs).toBe(1000);
    expect(m.rtoMs).toBe(9_000);
  });
});
