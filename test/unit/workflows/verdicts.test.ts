import { CancelledFailure, Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectInput, InjectResult, ObserveInput, ObserveResult } from '../../../activities/index.js';
import { createObserve } from '../../../activities/probes/observe.js';
import type { DrillResult, ProbeSegment } from '../../../report/result.js';
import { approveSignal } from '../../../workflows/contract.js';
import { healthyObservation, injectResult, stubActivities } from '../../support/stub-activities.js';
import { drillFixture, startWorkflowEnv, waitForDrillPhase, type WorkflowEnv } from '../../support/workflow-env.js';
import { LATE_MS } from '../../support/lateness.js';

// Verdicts a risk committee can sign, on a private Temporal server with stub activities: no
// observation is no verdict, the hold is the hold, impact during injection counts, guardrails
// act, failback counts, and a drill that did not restore does not pass. Where the rule lives in
// the probes engine (error budget, impact during injection) the real observe activity runs
// against a fake service instead of a stub.

const iso = (t: number) => new Date(t).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A service the real probes engine can watch: up or down, switched by the test's stubs. */
function fakeService() {
  const state = { up: true };
  const fetch = (async () => new Response('', { status: state.up ? 200 : 503 })) as typeof globalThis.fetch;
  return { state, observe: createObserve({ fetch }) };
}

/** Resolves when the current activity is cancelled (heartbeating, which is how cancellation arrives). */
function whenCancelled(): Promise<void> {
  const ctx = Context.current();
  return new Promise((resolve) => {
    if (ctx.cancellationSignal.aborted) return resolve();
    const beat = setInterval(() => ctx.heartbeat(), 50);
    ctx.cancellationSignal.addEventListener('abort', () => { clearInterval(beat); resolve(); }, { once: true });
  });
}

/** A hold observation that runs until the workflow ends it and hands back `segments(startedAt, now)` for every probe. */
function scriptedHold(segments: (startedAt: number, endedAt: number) => ProbeSegment[]) {
  return async (input: ObserveInput): Promise<ObserveResult> => {
    const startedAt = Date.now();
    await whenCancelled();
    const endedAt = Date.now();
    const segs = segments(startedAt, endedAt);
    const count = (healthy: boolean) => segs.filter((s) => s.healthy === healthy).reduce((n, s) => n + s.count, 0);
    const result: ObserveResult = {
      startedAt: iso(startedAt), endedAt: iso(endedAt), capacity: [], rpo: [], resumes: 0,
      probes: input.probes.map((p) => ({ name: p.name, segments: segs, failed: count(false), total: count(true) + count(false) })),
    };
    throw new CancelledFailure('cancelled by the workflow', [result]);
  };
}

/** An injectFault that records when it started: the first change. */
function timedInject(opts: { t0AfterMs?: number; onStart?: () => void } = {}) {
  const seen: { startedAt?: number } = {};
  const fn = async (input: InjectInput): Promise<InjectResult> => {
    const startedAt = Date.now();
    seen.startedAt = startedAt;
    opts.onStart?.();
    if (opts.t0AfterMs) await sleep(opts.t0AfterMs);
    return { ...injectResult(input), injectStartedAt: iso(startedAt), t0: iso(Date.now()) };
  };
  return { seen, fn };
}

const objective = (r: DrillResult, type: string) => r.objectives.find((o) => o.type === type);

describe('verdicts', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
  afterAll(async () => { await wf?.teardown(); });

  describe('no observation is not "no impact"', () => {
    it('a hold in which the probe saw nothing is inconclusive, not passed', () =>
      wf.withWorker(stubActivities({ observe: (i) => (i.mode === 'hold' ? scriptedHold(() => [])(i) : healthyObservation(i)) }), async (t) => {
        const r = await (await t.startDrill(drillFixture())).result();
        expect(r.outcome, r.outcomeReason).toBe('inconclusive');
        expect(objective(r, 'rto')).toMatchObject({ met: false, status: 'inconclusive', measured: null });
        expect(objective(r, 'rto')?.note).toMatch(/no observation in the hold/);
        expect(r.measurements.probes[0]).toMatchObject({ impact: false, rtoMs: null, coverage: { observations: 0 } });
        // Not a failover failure either: it was not seen.
        expect(r.notFailedOver).toEqual([]);
      }));

    it('a lost worker over the outage (a gap longer than stableFor + 2 intervals) is inconclusive, whatever the RTO reads', () => {
      const inject = timedInject();
      return wf.withWorker(stubActivities({
        injectFault: inject.fn,
        // Healthy until 200 ms after the first change, nothing for 900 ms, healthy again.
        observe: (i) => (i.mode !== 'hold' ? healthyObservation(i) : scriptedHold((start, end) => {
          const x = inject.seen.startedAt ?? start;
          return [
            // From the first change at the latest: a busy machine may start the probes a little late.
            { from: iso(Math.min(start, x)), to: iso(x + 200), healthy: true, count: 3 },
            { from: iso(x + 1100), to: iso(end), healthy: true, count: Math.max(1, Math.round((end - x - 1100) / 100)) },
          ];
        })(i)),
      }), async (t) => {
        const r = await (await t.startDrill(drillFixture({ timing: { hold: 1500 } }))).result();
        expect(r.outcome, r.outcomeReason).toBe('inconclusive');
        const m = r.measurements.probes[0];
        expect(m?.coverage?.longestGapMs).toBeGreaterThanOrEqual(850);
        expect(m?.coverage?.gaps).toHaveLength(1);
        // The gap is missing from what was seen: how large a share that is depends on how long
        // the busy machine took to reach restore, so it is checked against the window measured.
        const c = m?.coverage;
        expect(c?.observedMs).toBeLessThanOrEqual((c?.windowMs ?? 0) - (c?.longestGapMs ?? 0));
        expect(c?.fraction).toBeCloseTo((c?.observedMs ?? 0) / (c?.windowMs ?? 1), 5);
        expect(m?.inconclusive).toMatch(/no observation for/);
        expect(objective(r, 'rto')).toMatchObject({ status: 'inconclusive', met: false });
      });
    });
  });

  describe('resolution at the boundary: met only when measured + resolution is within the target', () => {
    // Failing from the first change to +1000 ms, healthy from +1100 ms: RTO 1100 ms at 100 ms resolution.
    const run = (target: number) => {
      const inject = timedInject();
      return wf.withWorker(stubActivities({
        injectFault: inject.fn,
        observe: (i) => (i.mode !== 'hold' ? healthyObservation(i) : scriptedHold((start, end) => {
          const x = inject.seen.startedAt ?? start;
          return [
            { from: iso(x), to: iso(x + 1000), healthy: false, count: 11, error: 'HTTP 503' },
            { from: iso(x + 1100), to: iso(end), healthy: true, count: Math.max(1, Math.round((end - x - 1100) / 100)) },
          ];
        })(i)),
      }), async (t) => (await t.startDrill(drillFixture({ timing: { hold: 1600 }, objectives: [{ type: 'rto', probe: 'web', target }] }))).result());
    };

    it('RTO 1100 ms ±100 ms against 1150 ms: inconclusive (within the target only by less than the resolution)', async () => {
      const r = await run(1150);
      expect(r.measurements.probes[0]).toMatchObject({ rtoMs: 1100, resolutionMs: 100, impact: true });
      expect(objective(r, 'rto')).toMatchObject({ measured: 1100, resolutionMs: 100, status: 'inconclusive', met: false });
      expect(r.outcome, r.outcomeReason).toBe('inconclusive');
    });

    it('against 1200 ms: met; against 1099 ms: missed', async () => {
      const met = await run(1200);
      expect(objective(met, 'rto')).toMatchObject({ measured: 1100, status: 'met', met: true });
      expect(met.outcome, met.outcomeReason).toBe('passed');
      const missed = await run(1099);
      expect(objective(missed, 'rto')).toMatchObject({ measured: 1100, status: 'missed', met: false });
      expect(missed.outcome, missed.outcomeReason).toBe('failed');
    });
  });

  describe('the hold is the hold', () => {
    it('an approval that arrives after maxDuration has passed still gets the whole hold, observed', () => {
      const svc = fakeService();
      return wf.withWorker(stubActivities({ observe: svc.observe }), async (t) => {
        const spec = drillFixture({ timing: { hold: 600, maxDuration: 1000 }, approval: { required: true, timeout: 60_000 } });
        const handle = await t.startDrill(spec);
        await waitForDrillPhase(handle, 'approval');
        await sleep(1500);
        await handle.signal(approveSignal, { identity: 'late-approver' });
        const r = await handle.result();
        expect(r.outcome, r.outcomeReason).toBe('passed');
        const hold = t.stubs.inputsOf('observe').find((i) => i.mode === 'hold');
        expect(hold?.durationMs).toBeGreaterThanOrEqual(1000);
        const t0 = Date.parse(r.injection?.t0 ?? '');
        expect(Date.parse(r.restore?.startedAt ?? '') - t0).toBeGreaterThanOrEqual(600);
        const m = r.measurements.probes[0];
        expect(m?.coverage?.observations).toBeGreaterThanOrEqual(4);
        expect(m?.coverage?.fraction).toBeGreaterThan(0.8);
        expect(r.journal.some((e) => e.kind === 'guardrail')).toBe(false);
      });
    });

    it('maxDuration caps a drain that is stuck evicting: the injection is cancelled, restore runs, the drill is aborted', () => {
      const cancelled: number[] = [];
      let startedAt = 0;
      return wf.withWorker(stubActivities({
        injectFault: async (input) => {
          startedAt = Date.now();
          await whenCancelled();
          cancelled.push(Date.now());
          // The drain stops where it is and says so (no T0: its first round never finished).
          return { ...injectResult(input), injectStartedAt: iso(startedAt), t0: iso(Date.now()), t0Reached: false, stopped: true };
        },
      }), async (t) => {
        const spec = drillFixture({ timing: { hold: 200, maxDuration: 800 }, fault: { evictionTimeout: 600_000 } });
        const r = await (await t.startDrill(spec)).result();
        expect(cancelled).toHaveLength(1);
        expect(r.outcome, r.outcomeReason).toBe('aborted');
        expect(r.outcomeReason).toMatch(/timing\.maxDuration \(800 ms\) reached while the fault was still being injected/);
        expect(t.stubs.count('restoreNodes')).toBe(1);
        const inPlace = Date.parse(r.restore?.startedAt ?? '') - startedAt;
        expect(inPlace).toBeGreaterThanOrEqual(700);
        expect(inPlace).toBeLessThan(3000);
        expect(r.injection).toMatchObject({ t0: null, stopped: true });
        expect(r.phases.map((p) => p.phase)).not.toContain('hold');
      });
    });

    it('with abortAtMaxDuration: false the cap still ends the fault, and the drill is judged on what was observed', () =>
      wf.withWorker(stubActivities({
        injectFault: async (input) => {
          const startedAt = Date.now();
          await whenCancelled();
          return { ...injectResult(input), injectStartedAt: iso(startedAt), t0: iso(Date.now()), stopped: true };
        },
      }), async (t) => {
        const spec = drillFixture({ timing: { hold: 200, maxDuration: 800 }, guardrails: { abortAtMaxDuration: false } });
        const r = await (await t.startDrill(spec)).result();
        expect(r.outcome).not.toBe('aborted');
        expect(r.journal.some((e) => e.kind === 'guardrail' && /maxDuration/.test(e.message))).toBe(true);
        expect(t.stubs.count('restoreNodes')).toBe(1);
      }));
  });

  describe('impact during injection', () => {
    it('an outage between the first change and T0 is detected and counted from the first change', () => {
      const svc = fakeService();
      let upAt = 0;
      const inject = timedInject({
        t0AfterMs: 900,
        // Down at the first change, back 400 ms later: all before T0.
        onStart: () => { svc.state.up = false; setTimeout(() => { svc.state.up = true; upAt = Date.now(); }, 400); },
      });
      return wf.withWorker(stubActivities({ observe: svc.observe, injectFault: inject.fn }), async (t) => {
        const r = await (await t.startDrill(drillFixture({ timing: { hold: 500 }, objectives: [{ type: 'rto', probe: 'web', target: 10_000 }] }))).result();
        const m = r.measurements.probes[0];
        expect(m?.impact, JSON.stringify(r.probes)).toBe(true);
        expect(Date.parse(m?.detectedAt ?? '')).toBeLessThan(Date.parse(r.injection?.t0 ?? ''));
        expect(m?.rtoMs).toBeGreaterThanOrEqual(300);
        // Counted from the first change to the first healthy check after the service came back:
        // within an interval (100 ms) of when it really came back (a late 400 ms timer does not
        // fail it), plus LATE_MS of room.
        const back = upAt - (inject.seen.startedAt ?? 0);
        expect(m?.rtoMs).toBeGreaterThanOrEqual(back - 50);
        expect(m?.rtoMs).toBeLessThan(back + 100 + LATE_MS);
        expect(r.measurements.injectStartedAt).toBe(iso(inject.seen.startedAt ?? 0));
        expect(r.outcome, r.outcomeReason).toBe('passed');
      });
    });
  });

  describe('guardrails that act', () => {
    it('maxErrorBudget aborts on the share of observations so far, not of those planned over maxDuration', () => {
      const svc = fakeService();
      return wf.withWorker(stubActivities((d) => ({
        observe: svc.observe,
        injectFault: async (input) => { svc.state.up = false; return d.injectFault(input); },
        restoreNodes: async (input) => { svc.state.up = true; return d.restoreNodes(input); },
      })), async (t) => {
        // 60 s of planned observations at 100 ms would need 300 failures: far beyond this hold.
        const spec = drillFixture({ timing: { hold: 5000, maxDuration: 60_000 }, guardrails: { maxErrorBudget: 0.5 } });
        const r = await (await t.startDrill(spec)).result();
        expect(r.outcome, r.outcomeReason).toBe('aborted');
        expect(r.outcomeReason).toMatch(/^guardrail: error budget spent: \d+ of \d+ observations so far failed/);
        expect(Date.parse(r.restore?.startedAt ?? '') - Date.parse(r.injection?.t0 ?? '')).toBeLessThan(4000);
      });
    });
  });

  describe('failback counts', () => {
    const failingFailback = (i: ObserveInput): Promise<ObserveResult> | ObserveResult => {
      if (i.mode !== 'failback') return i.mode === 'baseline' ? healthyObservation(i) : scriptedHold((s, e) => [{ from: iso(s), to: iso(e), healthy: true, count: 5 }])(i);
      const startedAt = Date.now();
      return sleep(300).then(() => ({
        ...healthyObservation(i, startedAt),
        probes: i.probes.map((p) => ({ name: p.name, segments: [{ from: iso(startedAt), to: iso(Date.now()), healthy: false, count: 3, error: 'HTTP 503' }], failed: 3, total: 3 })),
      }));
    };

    it('a service that does not return to steady state after restore fails the drill', () =>
      wf.withWorker(stubActivities({ observe: failingFailback }), async (t) => {
        const r = await (await t.startDrill(drillFixture())).result();
        expect(r.outcome, r.outcomeReason).toBe('failed');
        expect(objective(r, 'failback')).toMatchObject({ status: 'missed', met: false, measured: null });
        expect(r.notFailedOver).toContainEqual(expect.objectContaining({ kind: 'probe', name: 'web', reason: expect.stringMatching(/failback/) }));
      }));

    it('the failback objective is on by default, and its target is what the drill says', () =>
      wf.withWorker(stubActivities({
        observe: (i) => {
          if (i.mode !== 'failback') return i.mode === 'baseline' ? healthyObservation(i) : scriptedHold((s, e) => [{ from: iso(s), to: iso(e), healthy: true, count: 5 }])(i);
          // Failing for 400 ms after restore, then steady.
          const startedAt = Date.now();
          return sleep(700).then(() => ({
            ...healthyObservation(i, startedAt),
            probes: i.probes.map((p) => ({ name: p.name, failed: 4, total: 7, segments: [
              { from: iso(startedAt), to: iso(startedAt + 400), healthy: false, count: 4 },
              { from: iso(startedAt + 500), to: iso(Date.now()), healthy: true, count: 3 },
            ] })),
          }));
        },
      }), async (t) => {
        const byDefault = await (await t.startDrill(drillFixture())).result();
        expect(objective(byDefault, 'failback')).toMatchObject({ status: 'met', target: 120_000 });
        expect(byDefault.outcome, byDefault.outcomeReason).toBe('passed');
        const tight = await (await t.startDrill(drillFixture({
          objectives: [{ type: 'rto', probe: 'web', target: 30_000 }, { type: 'failback', target: 300 } as never],
        }))).result();
        expect(objective(tight, 'failback')).toMatchObject({ status: 'missed', target: 300 });
        expect(tight.outcome, tight.outcomeReason).toBe('failed');
      }));
  });

  describe('a drill that did not restore does not pass', () => {
    it('a node restore did not find (its run label was removed) makes the drill an error, naming the node', () =>
      wf.withWorker(stubActivities({
        restoreNodes: async () => ({ nodes: [{ name: 'node-a-1', restored: true }], blockedMs: 0, apiRetries: 0, attempt: 1 }),
      }), async (t) => {
        const r = await (await t.startDrill(drillFixture())).result();
        expect(r.outcome).toBe('error');
        expect(r.outcomeReason).toMatch(/^not restored: node-a-2 /);
        expect(r.injection?.nodes.find((n) => n.name === 'node-a-2')?.restored).toBe(false);
      }));

    it('a node restore reports as not restored makes the drill an error too', () =>
      wf.withWorker(stubActivities({
        restoreNodes: async () => ({ nodes: [{ name: 'node-a-1', restored: true }, { name: 'node-a-2', restored: false, note: 'left for the janitor' }], blockedMs: 0, apiRetries: 0, attempt: 1 }),
      }), async (t) => {
        const r = await (await t.startDrill(drillFixture())).result();
        expect(r.outcome).toBe('error');
        expect(r.outcomeReason).toMatch(/node-a-2 \(left for the janitor\)/);
      }));
  });
});
