import { describe, expect, it } from 'vitest';
import { formatDuration, formatFraction, formatMeasuredMs, formatResolution, quarterOf } from '../../../report/format.js';

describe('figures with their resolution', () => {
  it('shows a measured duration no finer than its resolution, followed by it', () => {
    expect(formatMeasuredMs(42_345, 1000)).toBe('42 s ±1 s');
    expect(formatMeasuredMs(192_000, 1000)).toBe('3 min 12 s ±1 s');
    expect(formatMeasuredMs(1_234, 100)).toBe('1.2 s ±100 ms');
    expect(formatMeasuredMs(850, 50)).toBe('850 ms ±50 ms');
    expect(formatMeasuredMs(42_000, 1500)).toBe('42 s ±1.5 s');
  });

  it('formats plain durations and resolutions', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(3_723_000)).toBe('1 h 02 min');
    expect(formatDuration(-30_000)).toBe('−30 s');
    expect(formatResolution(2000)).toBe('±2 s');
    expect(formatResolution(250)).toBe('±250 ms');
  });

  it('formats fractions and quarters', () => {
    expect(formatFraction(0.034)).toBe('3.4 %');
    expect(formatFraction(0.001)).toBe('0.1 %');
    expect(quarterOf('2026-11-03T14:00:00Z')).toBe('2026-Q4');
    expect(quarterOf('2026-01-01T00:00:00Z')).toBe('2026-Q1');
    expect(quarterOf('2026-06-30T23:59:59Z')).toBe('2026-Q2');
  });
});
