import { describe, expect, it } from 'vitest';
import { activeBlackout } from '../../../workflows/scheduled.js';

const freeze = { name: 'year-end-freeze', start: '2026-12-20T00:00:00+09:00', end: '2027-01-05T00:00:00+09:00' };
const audit = { name: 'audit', start: '2027-01-04T00:00:00Z', end: '2027-01-10T00:00:00Z' };
const at = (iso: string) => Date.parse(iso);

describe('activeBlackout', () => {
  it('finds the window that contains the time, start inclusive, end exclusive', () => {
    expect(activeBlackout([freeze], at('2026-12-19T15:00:00Z'))).toBe(freeze); // = start, in UTC
    expect(activeBlackout([freeze], at('2026-12-19T14:59:59.999Z'))).toBeUndefined();
    expect(activeBlackout([freeze], at('2027-01-04T14:59:59Z'))).toBe(freeze);
    expect(activeBlackout([freeze], at('2027-01-04T15:00:00Z'))).toBeUndefined(); // = end
  });

  it('returns the first listed of overlapping windows, and nothing without windows', () => {
    expect(activeBlackout([freeze, audit], at('2027-01-04T12:00:00Z'))).toBe(freeze);
    expect(activeBlackout([freeze, audit], at('2027-01-06T00:00:00Z'))).toBe(audit);
    expect(activeBlackout([], at('2027-01-06T00:00:00Z'))).toBeUndefined();
  });
});
