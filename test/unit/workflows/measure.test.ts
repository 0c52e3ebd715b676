import { describe, expect, it } from 'vitest';
import { coverageOf } from '../../../report/coverage.js';
import type { Measurements, ProbeMeasurement, ProbeSegment, ProbeTimeline } from '../../../report/result.js';
import {
  DEFAULT_FAILBACK_TARGET_MS, evaluateObjectives, firstFailureAt, firstStableAt, judge, judgedObjectives, measureCapacity, measureProbe, measureRpo, steadyAtEnd,
} from '../../../workflows/measure.js';

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

describe('coverage and verdicts that need evidence', () => {
  const probes = (m: Partial<ProbeMeasurement> & { probe: string }): ProbeMeasurement => ({
    resolutionMs: 1000, detectedAt: null, rtoMs: 0, impact: false, recovered: true, failbackMs: 0, ...m,
  });
  const measurements = (over: Partial<Measurements> = {}): Measurements => ({
    t0: at(10), injectStartedAt: at(5), probes: [], rpo: [], capacity: { resolutionMs: 1000, recoveryMs: 0, recovered: true, workloads: [] },
    failback: { ms: 0, recovered: true, resolutionMs: 1000 }, errorBudget: { failed: 0, total: 100, used: 0 }, ...over,
  });

  it('coverage: observed time over the window, and every stretch without observation longer than the gap threshold', () => {
    // Observed 0..10 and 31..40 of the window 0..40; gap threshold 3 s.
    const c = coverageOf([seg(0, 10, true), seg(31, 40, false)], T, T + 40_000, 3000);
    expect(c).toMatchObject({ windowMs: 40_000, observedMs: 19_000, longestGapMs: 21_000, observations: 21 });
    expect(c.gaps).toEqual([{ from: at(10), to: at(31), ms: 21_000 }]);
    expect(c.fraction).toBeCloseTo(19 / 40);
    // Ordinary spacing between ticks, and the first tick a moment after the window opens, are observed time.
    expect(coverageOf([seg(1, 10, true), seg(12, 40, false)], T, T + 41_000, 3000)).toMatchObject({ observedMs: 41_000, gaps: [] });
    // Nothing at all: the whole window is one gap, and no observation.
    expect(coverageOf([], T, T + 5000, 3000)).toMatchObject({ observations: 0, observedMs: 0, longestGapMs: 5000 });
  });

  it('a probe with no observation in the window has no RTO (not 0, not "no impact") and says why', () => {
    const m = measureProbe(line([]), T, null, null, T + 45_000);
    expect(m).toMatchObject({ rtoMs: null, impact: false, recovered: false, inconclusive: 'no observation in the hold', coverage: { observations: 0 } });
    // An empty window (a hold that ran 0 ms) is the same: nothing was seen.
    expect(measureProbe(line([seg(0, 4, true)]), T + 5000, null, null, T + 5000).inconclusive).toBe('no observation in the hold');
    const [rto] = evaluateObjectives([{ type: 'rto', probe: 'web', target: 30_000 }], measurements({ probes: [m] }));
    expect(rto).toMatchObject({ status: 'inconclusive', met: false, measured: null });
  });

  it('a gap longer than stableFor + 2 intervals makes the probe inconclusive, whatever the RTO reads', () => {
    // A lost worker from 12 to 40 over an outage nobody saw: RTO reads 0 "no impact".
    const m = measureProbe(line([seg(0, 11, true), seg(40, 60, true)]), T + 10_000, null, null, T + 60_000);
    expect(m.rtoMs).toBe(0);
    expect(m.coverage?.longestGapMs).toBe(29_000);
    expect(m.inconclusive).toMatch(/no observation for 29 s, longer than stableFor \+ 2 intervals \(5 s\)/);
    const [rto] = evaluateObjectives([{ type: 'rto', probe: 'web', target: 90_000 }], measurements({ probes: [m] }));
    expect(rto).toMatchObject({ status: 'inconclusive', met: false });
    // A gap under that bound but longer than a tight target is inconclusive against that target only.
    const short = probes({ probe: 'web', coverage: { windowMs: 60_000, observedMs: 56_000, fraction: 56 / 60, observations: 55, longestGapMs: 4000, gaps: [{ from: at(20), to: at(24), ms: 4000 }] } });
    expect(evaluateObjectives([{ type: 'rto', probe: 'web', target: 3000 }], measurements({ probes: [short] }))[0]?.status).toBe('inconclusive');
    expect(evaluateObjectives([{ type: 'rto', probe: 'web', target: 30_000 }], measurements({ probes: [short] }))[0]?.status).toBe('met');
  });

  it('RTO and detection count from the start of injection: a failure before T0 is impact', () => {
    // Injection starts at 5, T0 at 10; the probe fails 6..8 and is healthy from 9.
    const m = measureProbe(line([seg(0, 5, true), seg(6, 8, false), seg(9, 30, true)]), T + 5000, null, null, T + 30_000);
    expect(m).toMatchObject({ impact: true, detectedAt: at(6), rtoMs: 4000 });
  });

  it('met only when measured + resolution is within the target; over it missed; in between inconclusive', () => {
    expect(judge(29_000, 1000, 30_000).status).toBe('met');
    expect(judge(29_500, 1000, 30_000)).toMatchObject({ status: 'inconclusive', note: expect.stringMatching(/only by less than the resolution/) });
    expect(judge(30_000, 1000, 30_000).status).toBe('inconclusive');
    expect(judge(30_001, 1000, 30_000).status).toBe('missed');
    const row = (rtoMs: number, resolutionMs: number) => evaluateObjectives([{ type: 'rto', probe: 'web', target: 10_000 }], measurements({ probes: [probes({ probe: 'web', rtoMs, resolutionMs, impact: true })] }))[0];
    expect(row(9000, 1000)).toMatchObject({ status: 'met', met: true, measured: 9000, resolutionMs: 1000 });
    expect(row(9500, 1000)).toMatchObject({ status: 'inconclusive', met: false });
  });

  it('RPO: no lost marker is exact; lost markers are judged with their resolution; no marker written is inconclusive', () => {
    const rpo = (missing: number, rpoMs: number) => measurements({ rpo: [{ probe: 'db', resolutionMs: 1000, acknowledged: 40, missing, rpoMs }], probes: [probes({ probe: 'db' })] });
    expect(evaluateObjectives([{ type: 'rpo', probe: 'db', target: 0 }], rpo(0, 0))[0]).toMatchObject({ status: 'met', note: 'no acknowledged write lost' });
    expect(evaluateObjectives([{ type: 'rpo', probe: 'db', target: 5000 }], rpo(5, 5000))[0]?.status).toBe('inconclusive');
    expect(evaluateObjectives([{ type: 'rpo', probe: 'db', target: 5000 }], rpo(4, 4000))[0]?.status).toBe('met');
    const unseen = measurements({ rpo: [{ probe: 'db', resolutionMs: 1000, acknowledged: 0, missing: 0, rpoMs: 0 }], probes: [probes({ probe: 'db', coverage: { windowMs: 0, observedMs: 0, fraction: 1, observations: 0, longestGapMs: 0, gaps: [] } })] });
    expect(evaluateObjectives([{ type: 'rpo', probe: 'db', target: 0 }], unseen)[0]?.status).toBe('inconclusive');
  });

  it('failback is an objective: not steady again is missed, not observed is inconclusive, and it is on unless the drill sets its own', () => {
    expect(judgedObjectives([{ type: 'rto', target: 1000 }])).toEqual([{ type: 'rto', target: 1000 }, { type: 'failback', target: DEFAULT_FAILBACK_TARGET_MS }]);
    expect(judgedObjectives([{ type: 'failback', target: 5000 }])).toEqual([{ type: 'failback', target: 5000 }]);
    const fb = (failback: Measurements['failback']) => evaluateObjectives([{ type: 'failback', target: 60_000 }], measurements({ failback }))[0];
    expect(fb({ ms: null, recovered: false, resolutionMs: 1000 })).toMatchObject({ status: 'missed', note: expect.stringMatching(/did not return to steady state/) });
    expect(fb(null)).toMatchObject({ status: 'inconclusive' });
    expect(fb({ ms: 20_000, recovered: true, resolutionMs: 1000 })).toMatchObject({ status: 'met', measured: 20_000 });
  });

  it('error budget without observations is inconclusive; capacity of a workload never observed is inconclusive', () => {
    expect(evaluateObjectives([{ type: 'errorBudget', max: 0.1 }], measurements({ errorBudget: { failed: 0, total: 0, used: 0 } }))[0]?.status).toBe('inconclusive');
    const never = measureCapacity({ kind: 'Deployment', namespace: 'a', name: 'b', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [] }, T);
    expect(never.readyOutsideAfter).toBeNull();
    const cap = measurements({ capacity: { resolutionMs: 1000, recoveryMs: null, recovered: false, workloads: [never] } });
    expect(evaluateObjectives([{ type: 'capacity', target: 60_000 }], cap)[0]?.status).toBe('inconclusive');
  });

  it('readyOutsideAfter is what the last observation counted, never the desired count inferred from health', () => {
    const c = measureCapacity({ kind: 'Deployment', namespace: 'a', name: 'b', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [seg(10, 40, true)], readyOutsideLast: 4 }, T);
    expect(c.readyOutsideAfter).toBe(4);
    const down = measureCapacity({ kind: 'Deployment', namespace: 'a', name: 'b', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [seg(10, 40, false)], readyOutsideLast: 2 }, T);
    expect(down).toMatchObject({ readyOutsideAfter: 2, recovered: false });
  });
});
