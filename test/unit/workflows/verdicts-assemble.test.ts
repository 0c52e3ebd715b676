import { describe, expect, it } from 'vitest';
import type { InjectResult, ObserveResult, RestoreResult } from '../../../activities/index.js';
import { parseResultJson } from '../../../report/schema.js';
import type { ProbeSegment } from '../../../report/result.js';
import { assembleResult, type AssembleInput } from '../../../workflows/assemble.js';
import { Journal } from '../../../workflows/journal.js';
import { drillFixture } from '../../support/workflow-env.js';
import { preflightResult } from '../../support/stub-activities.js';

// The result as the workflow assembles it from recorded phases (pure): the outcome follows the
// evidence, the measured window starts at the first change, and an unrestored node is an error.

const T = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(T + s * 1000).toISOString();
const seg = (from: number, to: number, healthy: boolean): ProbeSegment => ({ from: at(from), to: at(to), healthy, count: Math.round((to - from) * 10) + 1 });

function observation(segments: ProbeSegment[], from: number, to: number): ObserveResult {
  const failed = segments.filter((s) => !s.healthy).reduce((n, s) => n + s.count, 0);
  const total = segments.reduce((n, s) => n + s.count, 0);
  return { startedAt: at(from), endedAt: at(to), probes: [{ name: 'web', segments, failed, total }], capacity: [], rpo: [], resumes: 0 };
}

function phases(over: Partial<AssembleInput> = {}): AssembleInput {
  const spec = drillFixture({ timing: { hold: 20_000 }, objectives: [{ type: 'rto', probe: 'web', target: 10_000 }] });
  const injection: InjectResult = {
    injectStartedAt: at(10), t0: at(12), nodes: [{ name: 'node-a-1', actions: ['cordon'], wasCordoned: false }, { name: 'node-a-2', actions: ['cordon'], wasCordoned: false }],
    evicted: 2, notEvicted: [], apiRetries: 0,
  };
  const restore: RestoreResult = { nodes: [{ name: 'node-a-1', restored: true }, { name: 'node-a-2', restored: true }], blockedMs: 0, apiRetries: 0, attempt: 1 };
  return {
    input: { spec, specSha256: 'sha', trigger: 'manual', firedrillVersion: '0.0.0-test' },
    info: { workflowId: 'wf', runId: 'run', namespace: 'default' },
    journal: new Journal(),
    approval: { refused: [] },
    plan: preflightResult(),
    baseline: observation([seg(0, 9, true)], 0, 9),
    injection,
    // Failing from 11 to 14 (before and after T0 at 12), healthy from 14.1 to the end of the hold.
    hold: observation([seg(10, 10.9, true), seg(11, 14, false), seg(14.1, 32, true)], 10, 32),
    restore,
    restoreStartedAt: at(32),
    restoreEndedAt: at(33),
    failback: observation([seg(33, 40, true)], 33, 40),
    outcomeReason: '',
    ...over,
  };
}

describe('assembled verdicts', () => {
  it('counts RTO from the first change and states the window, coverage and the injection times', () => {
    const r = assembleResult(phases());
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.measurements).toMatchObject({ injectStartedAt: at(10), t0: at(12), holdEndedAt: at(32) });
    // Detection at 11 is before T0 and counts; RTO from 10 to 14.1.
    expect(r.measurements.probes[0]).toMatchObject({ detectedAt: at(11), rtoMs: 4100, impact: true });
    expect(r.measurements.probes[0]?.coverage).toMatchObject({ windowMs: 22_000, gaps: [] });
    expect(r.injection).toMatchObject({ injectStartedAt: at(10), t0: at(12) });
    expect(r.objectives.map((o) => [o.type, o.status])).toEqual([['rto', 'met'], ['failback', 'met']]);
    expect(r.probes[0]?.gapMs).toBe(300);
    // What the workflow returns is what the report files check.
    expect(parseResultJson(JSON.stringify(r), 'result.json').ok).toBe(true);
  });

  it('an empty hold is inconclusive, with the reason, never "no impact"', () => {
    const r = assembleResult(phases({ hold: observation([], 10, 10), restoreStartedAt: at(10.2) }));
    expect(r.outcome).toBe('inconclusive');
    expect(r.outcomeReason).toMatch(/^1 of 2 objective\(s\) inconclusive: rto web \(no observation in the hold/);
    expect(r.objectives[0]).toMatchObject({ type: 'rto', status: 'inconclusive', met: false, measured: null });
  });

  it('a missed objective makes the drill failed even when another is inconclusive', () => {
    const spec = drillFixture({ objectives: [{ type: 'rto', probe: 'web', target: 1000 }, { type: 'errorBudget', max: 0.01 }] });
    const r = assembleResult(phases({ input: { ...phases().input, spec }, hold: observation([seg(10, 20, false), seg(20.1, 32, true)], 10, 32) }));
    expect(r.objectives.map((o) => o.status)).toEqual(['missed', 'missed', 'met']);
    expect(r.outcome).toBe('failed');
  });

  it('a node the run changed and restore did not put back makes the outcome error, naming the node', () => {
    const restore: RestoreResult = { nodes: [{ name: 'node-a-1', restored: true }], blockedMs: 0, apiRetries: 0, attempt: 1 };
    const r = assembleResult(phases({ restore }));
    expect(r.outcome).toBe('error');
    expect(r.outcomeReason).toMatch(/^not restored: node-a-2 \(restore found no mark of this run on it/);
    expect(r.outcomeReason).toMatch(/the drill was passed: all 2 objective\(s\) met/);
    expect(r.injection?.nodes.map((n) => [n.name, n.restored])).toEqual([['node-a-1', true], ['node-a-2', false]]);
    // An aborted drill that left a node behind is an error too.
    expect(assembleResult(phases({ restore, outcome: 'aborted', outcomeReason: 'aborted by alice: stop' })).outcome).toBe('error');
  });

  it('a node the drill did not change (already cordoned, not marked) needs no restore', () => {
    const injection: InjectResult = { ...phases().injection!, nodes: [...phases().injection!.nodes, { name: 'node-a-3', actions: [], wasCordoned: true }] };
    const r = assembleResult(phases({ injection }));
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.injection?.nodes.find((n) => n.name === 'node-a-3')?.restored).toBe(true);
  });

  it('capacity: ticks the API did not answer widen its resolution, and readyOutsideAfter is the last count observed', () => {
    const workload = { kind: 'Deployment', namespace: 'shop', name: 'web' } as const;
    const hold = { ...phases().hold!, capacity: [{ workload, desired: 2, readyOutside: 2, segments: [seg(10, 12, false), seg(25, 32, true)] }] };
    const r = assembleResult(phases({ hold }));
    expect(r.measurements.capacity).toMatchObject({ resolutionMs: 13_000, recoveryMs: 15_000 });
    expect(r.measurements.capacity?.workloads[0]).toMatchObject({ readyOutsideAfter: 2, recovered: true });
    const steady = assembleResult(phases({ hold: { ...hold, capacity: [{ workload, desired: 2, readyOutside: 1, segments: [seg(10, 32, false)] }] } }));
    expect(steady.measurements.capacity).toMatchObject({ resolutionMs: 1000 });
    expect(steady.measurements.capacity?.workloads[0]).toMatchObject({ readyOutsideAfter: 1, recovered: false });
  });

  it('capacity of a whole-cluster drill without a standby: ready again in the cluster, counted from the end of restore, never "not failed over" during the hold', () => {
    const workload = { kind: 'Deployment', namespace: 'shop', name: 'web' } as const;
    const spec = drillFixture({ target: { type: 'cluster' }, timing: { hold: 20_000 }, objectives: [{ type: 'capacity', target: 10_000 }] });
    const input = { ...phases().input, spec };
    // During the hold nothing can be ready outside a whole-cluster target.
    const hold = { ...phases().hold!, capacity: [{ workload, desired: 2, readyOutside: 0, segments: [seg(10, 32, false)] }] };
    const failback = { ...phases().failback!, capacity: [{ workload, desired: 2, readyOutside: 2, segments: [seg(33, 36, false), seg(37, 40, true)] }] };
    const r = assembleResult(phases({ input, hold, failback }));
    expect(r.measurements.capacity).toMatchObject({ basis: 'after-restore', recovered: true, recoveryMs: 4000 });
    expect(r.measurements.capacity?.workloads[0]).toMatchObject({ readyOutsideAfter: 2, recovered: true });
    expect(r.objectives.find((o) => o.type === 'capacity')).toMatchObject({ status: 'met', measured: 4000 });
    expect(r.notFailedOver).toEqual([]);
    expect(parseResultJson(JSON.stringify(r), 'result.json').ok).toBe(true);
    // Not back in the failback window: named for what it is.
    const down = assembleResult(phases({ input, hold, failback: { ...failback, capacity: [{ workload, desired: 2, readyOutside: 1, segments: [seg(33, 40, false)] }] } }));
    expect(down.notFailedOver).toEqual([{ kind: 'Deployment', name: 'shop/web', reason: 'desired replicas not ready in the cluster again after restore (failback window)' }]);
    // With a standby the standby is where it must come back, during the hold, as before.
    const plan = { ...preflightResult(), cluster: { standby: { context: 'site-b', server: 'https://b' } } };
    const standby = assembleResult(phases({ input, plan, hold, failback }));
    expect(standby.measurements.capacity?.basis).toBeUndefined();
    expect(standby.measurements.capacity?.recovered).toBe(false);
  });

  it('injection stopped before the fault was in place: no T0, but the window from the first change is still measured', () => {
    const injection: InjectResult = { ...phases().injection!, t0: at(20), t0Reached: false, stopped: true };
    const r = assembleResult(phases({ injection, outcome: 'aborted', outcomeReason: 'guardrail: timing.maxDuration reached' }));
    expect(r.injection).toMatchObject({ t0: null, stopped: true });
    expect(r.measurements).toMatchObject({ t0: null, injectStartedAt: at(10) });
    expect(r.measurements.probes[0]?.impact).toBe(true);
    expect(r.outcome).toBe('aborted');
  });
});
