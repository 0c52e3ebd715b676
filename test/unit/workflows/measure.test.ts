import { describe, expect, it } from 'vitest';
import type { ProbeSegment, ProbeTimeline } from '../../../report/result.js';
import { evaluateObjectives, firstFailureAt, firstStableAt, measureCapacity, measureProbe, measureRpo, steadyAtEnd } from '../../../workflows/measure.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(T + s * 1000).toISOString();
const seg = (from: number, to: number, healthy: boolean): ProbeSegment => ({ from: at(from), to: at(to), healthy, count: to - from + 1 });
const line = (segments: ProbeSegment[], stableFor = 3): ProbeTimeline => ({ name: 'web', type: 'http', intervalMs: 1000, stableForMs: stableFor * 1000, segments });

describe('measurement', () => {
  it('RTO runs from T0 to the first healthy observation of a run that lasts stableFor', () => {
    // healthy until 10, failing 11..20, a 2 s blip of health at 21..22, failing 23..25, healthy 26..40
    const p = line([seg(0, 10, true), seg(11, 20, false), seg(21, 22, true), seg(23, 25, false), seg(26, 40, true)]);
    const m = measureProbe(p, T + 10_000, null, null);
    expect(m.detectedAt).toBe(at(11));
    expect(m.rtoMs).toBe(16_000); // 26 - 10: the blip was shorter than stableFor
    expect(m.resolutionMs).toBe(1000);
    expect(m.impact).toBe(true);
  });

  it('a probe that never fails after T0 has no impact and RTO 0', () => {
    const m = measureProbe(line([seg(0, 30, true)]), T + 10_000, null, null);
    expect(m).toMatchObject({ detectedAt: null, rtoMs: 0, impact: false, recovered: true });
  });

  it('never recovering is a breach (null), not a number', () => {
    const m = measureProbe(line([seg(0, 10, true), seg(11, 40, false)]), T + 10_000, null, null);
    expect(m.rtoMs).toBeNull();
    expect(m.recovered).toBe(false);
  });

  it('a healthy run at the end that is shorter than stableFor does not count yet', () => {
    expect(firstStableAt([seg(0, 5, false), seg(6, 7, true)], T, 3000)).toBeNull();
    expect(firstStableAt([seg(0, 5, false), seg(6, 9, true)], T, 3000)).toBe(T + 6000);
  });

  it('steady at the end: the newest healthy run has lasted stableFor by its recorded observations, not by the clock', () => {
    expect(steadyAtEnd([seg(0, 5, false), seg(6, 9, true)], T, 3000)).toBe(true);
    expect(steadyAtEnd([seg(0, 5, false), seg(6, 8, true)], T, 3000)).toBe(false);
    // An earlier stable run does not make a newer short one steady.
    expect(steadyAtEnd([seg(0, 9, true), seg(10, 10, false), seg(11, 12, true)], T, 3000)).toBe(false);
    expect(steadyAtEnd([seg(0, 9, true), seg(10, 10, false)], T, 3000)).toBe(false);
    // Counted from `after` (the start of this observation), like the baseline verdict.
    expect(steadyAtEnd([seg(0, 9, true)], T + 7000, 3000)).toBe(false);
    expect(steadyAtEnd([], T, 3000)).toBe(false);
  });

  it('detection is the first failure at or after T0, ignoring failures before it', () => {
    expect(firstFailureAt([seg(0, 2, false), seg(3, 9, true), seg(10, 12, false)], T + 5000)).toBe(T + 10_000);
  });

  it('failback counts from restore until steady', () => {
    const m = measureProbe(line([seg(0, 10, true), seg(11, 40, false)]), T + 10_000, T + 41_000, [seg(41, 44, false), seg(45, 60, true)]);
    expect(m.failbackMs).toBe(4000);
  });

  it('RPO is the span of lost acknowledged writes plus one interval', () => {
    expect(measureRpo({ probe: 'db', intervalMs: 1000, acknowledged: 50, missing: 3, firstMissingAt: at(20), lastMissingAt: at(22) }).rpoMs).toBe(3000);
    expect(measureRpo({ probe: 'db', intervalMs: 1000, acknowledged: 50, missing: 0, firstMissingAt: null, lastMissingAt: null }).rpoMs).toBe(0);
    expect(measureRpo({ probe: 'db', intervalMs: 1000, acknowledged: 50, missing: 0, firstMissingAt: null, lastMissingAt: null, error: 'HTTP 503' }).rpoMs).toBeNull();
  });

  it('capacity recovers at the start of the final healthy run', () => {
    const c = measureCapacity({ kind: 'Deployment', namespace: 'a', name: 'b', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [seg(10, 14, false), seg(15, 16, true), seg(17, 18, false), seg(19, 40, true)] }, T + 10_000);
    expect(c.recoveryMs).toBe(9000);
    const never = measureCapacity({ kind: 'Deployment', namespace: 'a', name: 'b', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [seg(10, 40, false)] }, T + 10_000);
    expect(never).toMatchObject({ recovered: false, recoveryMs: null });
  });

  it('objectives compare measured against target and call a missing figure a breach', () => {
    const rows = evaluateObjectives(
      [{ type: 'rto', probe: 'web', target: 10_000 }, { type: 'rto', target: 30_000 }, { type: 'rpo', probe: 'db', target: 5000 }, { type: 'errorBudget', max: 0.1 }, { type: 'capacity', target: 60_000 }],
      {
        t0: at(10),
        probes: [
          { probe: 'web', resolutionMs: 1000, detectedAt: at(11), rtoMs: 12_000, impact: true, recovered: true, failbackMs: 0 },
          { probe: 'api', resolutionMs: 500, detectedAt: null, rtoMs: 0, impact: false, recovered: true, failbackMs: 0 },
        ],
        rpo: [{ probe: 'db', resolutionMs: 1000, acknowledged: 10, missing: 2, rpoMs: 2000 }],
        capacity: { resolutionMs: 1000, recoveryMs: null, recovered: false, workloads: [] },
        failback: null,
        errorBudget: { failed: 5, total: 100, used: 0.05 },
      },
    );
    expect(rows.map((r) => [r.type, r.probe ?? '*', r.measured, r.met])).toEqual([
      ['rto', 'web', 12_000, false],
      ['rto', '*', 12_000, true],
      ['rpo', 'db', 2000, true],
      ['errorBudget', '*', 0.05, true],
      ['capacity', '*', null, false],
    ]);
    expect(rows[4]?.note).toMatch(/breach/);
  });
});
