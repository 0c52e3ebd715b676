import { describe, expect, it } from 'vitest';
import { lateness } from '../../../bench/probe-load.js';

describe('probe lateness', () => {
  it('is each gap between two arrivals of a probe less the interval, never below zero', () => {
    expect(lateness([0, 1000, 2030, 3020, 4500], 1000)).toEqual([0, 30, 0, 480]);
    expect(lateness([5], 1000)).toEqual([]);
  });
});
