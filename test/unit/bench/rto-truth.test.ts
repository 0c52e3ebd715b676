import { describe, expect, it } from 'vitest';
import { compareWithTruth, trueOutage } from '../../../bench/rto-truth.js';
import type { DrillResult } from '../../../report/result.js';

// The accuracy benchmark's arithmetic: firedrill's recovery instant against the simulator's.

const iso = (ms: number) => new Date(ms).toISOString();
const T = Date.parse('2026-12-01T10:00:00Z');

function result(over: { injectStartedAt?: number; t0?: number; rtoMs: number | null; detectedAt: number | null; segments: Array<[number, number, boolean]> }): Pick<DrillResult, 'measurements' | 'probes'> {
  return {
    measurements: {
      t0: iso(over.t0 ?? T + 400), ...(over.injectStartedAt !== undefined ? { injectStartedAt: iso(over.injectStartedAt) } : {}),
      probes: [{ probe: 'svc', rtoMs: over.rtoMs, detectedAt: over.detectedAt === null ? null : iso(over.detectedAt) }],
    } as unknown as DrillResult['measurements'],
    probes: [{ name: 'svc', segments: over.segments.map(([from, to, healthy]) => ({ from: iso(from), to: iso(to), healthy, count: 1 })) }] as unknown as DrillResult['probes'],
  };
}

describe('RTO against the simulator\'s truth', () => {
  const transitions = [
    { at: iso(T - 60_000), up: true },
    { at: iso(T + 700), up: false },
    { at: iso(T + 3_900), up: true },
  ];

  it('counts from the first change, not T0: the error is the recovery instant\'s', () => {
    // First change at T, T0 at T+400; firedrill saw the failure at T+800 and health again at T+4,100.
    const c = compareWithTruth(result({ injectStartedAt: T, rtoMs: 4_100, detectedAt: T + 800, segments: [[T - 5_000, T + 300, true], [T + 800, T + 3_800, false], [T + 4_100, T + 9_000, true]] }), transitions);
    expect(c).toEqual({
      trueDownAt: T + 700, trueUpAt: T + 3_900, trueRtoMs: 3_900, measuredRtoMs: 4_100,
      errorMs: 200, detectionErrorMs: 100, midpointErrorMs: 50,
    });
  });

  it('a drill that never recovered, or a truth without a later outage, has no error to give', () => {
    expect(compareWithTruth(result({ injectStartedAt: T, rtoMs: null, detectedAt: T + 800, segments: [[T + 800, T + 9_000, false]] }), transitions).errorMs).toBeNull();
    expect(trueOutage(transitions, T + 10_000)).toBeNull();
  });
});
