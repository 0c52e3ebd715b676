import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../drills/schema/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2h', 7_200_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
    ['1m0s', 60_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['-5s', /is negative/],
    ['45', /"45" is not a duration like 500ms, 90s, 5m, 1h30m or 2h/],
    ['', /is not a duration/],
    ['5 s', /is not a duration/],
    ['1m1h', /is not a duration/],
    ['5S', /is not a duration/],
    ['1.5s', /is not a duration/],
    ['1d', /is not a duration/],
    ['5mm', /is not a duration/],
    ['soon', /is not a duration/],
    [`${'9'.repeat(30)}h`, /too long/],
  ])('refuses %j', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [90_000, '1m30s'],
    [0, '0s'],
    [5_400_000, '1h30m'],
    [1_500, '1s500ms'],
    [86_400_000, '24h'],
    [-2_000, '-2s'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('is the inverse of parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
