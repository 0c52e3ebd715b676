import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortSignal, approveSignal, statusQuery, type DrillPhase } from '../../../workflows/contract.js';
import {
  afterGate, failWith, gate, guardrailHold, healthyObservation, preflightResult, STUB_NODES, stubActivities, untilCancelled, type ActivityOverrides, type Stubs,
} from '../../support/stub-activities.js';
import { drillFixture, startWorkflowEnv, waitForDrillPhase, waitUntil, type WorkflowEnv } from '../../support/workflow-env.js';

// The drill workflow on a private Temporal server with stub activities: the order of phases,
// approval, aborts in every phase, guardrails and failures, and the promise that restore runs
// exactly once whenever something was injected, and never otherwise.

// The target lease is taken after preflight, renewed just before injection and released after failback.
const FULL_RUN = ['notify', 'preflight', 'acquireLease', 'observe:baseline', 'acquireLease', 'injectFault', 'restoreNodes', 'observe:failback', 'releaseLease', 'writeReport', 'notify'];
/** What a run that never got to inject does: the report, nothing else. */
const NOTHING_TOUCHED = ['notify', 'preflight', 'writeReport', 'notify'];
/** The same for a run that held the target's lease when it stopped. */
const NOTHING_TOUCHED_LEASED = ['notify', 'preflight', 'acquireLease', 'releaseLease', 'writeReport', 'notify'];

/** The calls without the hold's observe, which starts beside injectFault in no fixed order. */
const sequential = (s: Stubs) => s.steps().filter((n) => n !== 'observe:hold');

describe('drill workflow', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
  afterAll(async () => { await wf?.teardown(); });

  it('runs preflight, baseline, inject, hold, restore, failback and report in order; restores once, by its run id', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const handle = await t.startDrill(drillFixture());
      const r = await handle.result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
      expect(sequential(t.stubs)).toEqual(FULL_RUN);
      const steps = t.stubs.steps();
      expect(steps.indexOf('observe:hold')).toBeLessThan(steps.indexOf('restoreNodes'));
      expect(t.stubs.inputsOf('injectFault')).toEqual([expect.objectContaining({ runId: handle.firstExecutionRunId, nodes: STUB_NODES, mode: 'drain' })]);
      expect(t.stubs.inputsOf('restoreNodes')).toEqual([expect.objectContaining({ runId: handle.firstExecutionRunId })]);
      // The result is assembled in the report phase; `done` follows it.
      expect(r.phases.map((p) => p.phase)).toEqual(['preflight', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report']);
      expect(r.restore?.nodes).toEqual(STUB_NODES.map((name) => ({ name, restored: true })));
      expect(r.injection?.nodes.every((n) => n.restored)).toBe(true);
      // The report activity got the same result the workflow returned.
      expect(t.stubs.inputsOf('writeReport')[0]?.result.outcome).toBe('passed');
      expect((await handle.query(statusQuery)).phase).toBe('done');
    }));

  describe('approval', () => {
    const needsApproval = (timeout = 60_000) => drillFixture({ approval: { required: true, timeout, approvers: ['alice'] } });

    it('waits for an approve signal from a listed approver, then runs', () =>
      wf.withWorker(stubActivities(), async (t) => {
        const handle = await t.startDrill(needsApproval());
        const waiting = await waitForDrillPhase(handle, 'approval');
        expect(waiting.journal.at(-1)?.message).toMatch(/^approval: waiting up to 60 s/);
        expect(t.stubs.count('observe')).toBe(0);
        await handle.signal(approveSignal, { identity: 'alice' });
        const r = await handle.result();
        expect(r.outcome, r.outcomeReason).toBe('passed');
        expect(r.approval).toMatchObject({ required: true, approvedBy: 'alice', refused: [] });
        expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'operator', message: 'approved', identity: 'alice' }));
        expect(sequential(t.stubs)).toEqual(FULL_RUN);
      }));

    it('refuses an approval at start when approvers are listed, and identities not in approval.approvers: the run keeps waiting and journals a warning', () =>
      wf.withWorker(stubActivities(), async (t) => {
        const handle = await t.startDrill(needsApproval(), { approvedBy: 'mallory' });
        await waitForDrillPhase(handle, 'approval');
        await handle.signal(approveSignal, { identity: 'eve' });
        const s = await waitUntil(() => handle.query(statusQuery), (x) => x.journal.some((e) => e.identity === 'eve'), 'the refusal of eve');
        expect(s.phase).toBe('approval');
        expect(s.approvedBy).toBeUndefined();
        expect(s.journal.filter((e) => e.kind === 'warning')).toEqual([
          expect.objectContaining({ message: 'approved at start refused: an approval at start (run --approve) does not count when approval.approvers are listed', identity: 'mallory' }),
          expect.objectContaining({ message: 'approved refused: identity not listed in approval.approvers', identity: 'eve' }),
        ]);
        // Still waiting: nothing after preflight has run.
        expect(t.stubs.steps()).toEqual(['notify', 'preflight', 'acquireLease']);

        await handle.signal(approveSignal, { identity: 'alice' });
        const r = await handle.result();
        expect(r.outcome, r.outcomeReason).toBe('passed');
        expect(r.approval.approvedBy).toBe('alice');
        expect(r.approval.refused.map((x) => [x.identity, x.reason])).toEqual([
          ['mallory', 'an approval at start (run --approve) does not count when approval.approvers are listed'],
          ['eve', 'not listed in approval.approvers'],
        ]);
      }));

    it('times out refused, having touched nothing: no baseline, no injection, no restore', () =>
      wf.withWorker(stubActivities(), async (t) => {
        const r = await (await t.startDrill(needsApproval(300))).result();
        expect(r.outcome).toBe('refused');
        expect(r.outcomeReason).toBe('approval timed out: nothing was changed');
        expect(t.stubs.steps()).toEqual(NOTHING_TOUCHED_LEASED);
        expect(t.stubs.count('injectFault')).toBe(0);
        expect(t.stubs.count('restoreNodes')).toBe(0);
        expect(r.injection).toBeNull();
        expect(r.restore).toBeNull();
      }));
  });

  describe('an operator abort', () => {
    const abort = { identity: 'bob', reason: 'customer traffic spike' };
    const abortedBy = `aborted by bob: ${abort.reason}`;

    // Each case: the stubs that hold the run in `phase`, how to know it is there, and whether
    // anything was injected by then (restore runs once if so, never otherwise).
    const cases: Array<{ phase: DrillPhase; stubs: () => Stubs; wait: 'activity' | 'phase'; activity?: Parameters<Stubs['started']>[0]; injected: boolean; hold?: number }> = [
      { phase: 'preflight', stubs: () => stubActivities({ preflight: untilCancelled() }), wait: 'activity', activity: 'preflight', injected: false },
      { phase: 'approval', stubs: () => stubActivities(), wait: 'phase', injected: false },
      {
        phase: 'baseline', wait: 'activity', activity: 'observe', injected: false,
        stubs: () => stubActivities((d) => ({ observe: (i) => (i.mode === 'baseline' ? untilCancelled<typeof i, never>()(i) : d.observe(i)) })),
      },
      { phase: 'inject', stubs: () => stubActivities({ injectFault: untilCancelled() }), wait: 'activity', activity: 'injectFault', injected: true },
      { phase: 'hold', stubs: () => stubActivities(), wait: 'phase', injected: true, hold: 60_000 },
    ];

    for (const c of cases) {
      it(`in ${c.phase}: the run ends aborted${c.injected ? ' and restores exactly once' : ' and restores nothing, since nothing was injected'}`, () =>
        wf.withWorker(c.stubs(), async (t) => {
          const spec = drillFixture({
            ...(c.phase === 'approval' ? { approval: { required: true } } : {}),
            ...(c.hold ? { timing: { hold: c.hold } } : {}),
          });
          const handle = await t.startDrill(spec);
          if (c.wait === 'phase') await waitForDrillPhase(handle, c.phase);
          else await t.stubs.started(c.activity as Parameters<Stubs['started']>[0]);
          await handle.signal(abortSignal, abort);
          const r = await handle.result();
          expect(r.outcome).toBe('aborted');
          expect(r.outcomeReason).toBe(abortedBy);
          expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'operator', message: `abort requested: ${abort.reason}`, identity: 'bob' }));
          expect(t.stubs.count('restoreNodes')).toBe(c.injected ? 1 : 0);
          if (c.injected) {
            expect(t.stubs.inputsOf('restoreNodes')).toEqual([expect.objectContaining({ runId: handle.firstExecutionRunId })]);
            expect(t.stubs.steps().slice(-5)).toEqual(['restoreNodes', 'observe:failback', 'releaseLease', 'writeReport', 'notify']);
            expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
          } else {
            expect(t.stubs.count('injectFault')).toBe(0);
            expect(r.injection).toBeNull();
          }
          // An abort during inject goes straight to restore, without a hold.
          if (c.phase === 'inject') expect(r.phases.map((p) => p.phase)).not.toContain('hold');
          expect(t.stubs.inputsOf('notify').at(-1)?.kind).toBe('abort');
        }));
    }

    it('in hold: restore starts while the probes are still stopping, and their timeline still reaches the result', () => {
      const g = gate();
      const stubs = stubActivities((d) => ({
        observe: (i) => (i.mode === 'hold' ? untilCancelled<typeof i, never>((input, at) => healthyObservation(input, at), { stopsAfter: g })(i) : d.observe(i)),
      }));
      return wf.withWorker(stubs, async (t) => {
        const handle = await t.startDrill(drillFixture({ timing: { hold: 60_000 } }));
        await waitForDrillPhase(handle, 'hold');
        await handle.signal(abortSignal, abort);
        // The hold's probes have not stopped yet (the gate is shut): restore must not wait for them.
        await t.stubs.started('restoreNodes', 1, 5_000);
        g.open();
        const r = await handle.result();
        expect(r.outcome).toBe('aborted');
        expect(t.stubs.count('restoreNodes')).toBe(1);
        expect(t.stubs.steps().slice(-5)).toEqual(['restoreNodes', 'observe:failback', 'releaseLease', 'writeReport', 'notify']);
        // Measured from the hold's timeline, which arrived after restore had started.
        expect(r.measurements.probes.map((p) => p.probe)).toEqual(drillFixture().probes.map((p) => p.name));
      });
    });

    // Restore and failback run in a non-cancellable scope: an abort then cannot stop them,
    // and restore is not run a second time.
    for (const phase of ['restore', 'failback'] as const) {
      it(`in ${phase}: restore still completes, exactly once`, () => {
        const g = gate();
        const stubs = stubActivities((d): ActivityOverrides => (phase === 'restore'
          ? { restoreNodes: afterGate(g, d.restoreNodes) }
          : { observe: (i) => (i.mode === 'failback' ? afterGate(g, d.observe)(i) : d.observe(i)) }));
        return wf.withWorker(stubs, async (t) => {
          const handle = await t.startDrill(drillFixture());
          await waitForDrillPhase(handle, phase);
          await handle.signal(abortSignal, abort);
          await waitUntil(() => handle.query(statusQuery), (s) => s.aborted !== undefined, 'the abort to be seen');
          g.open();
          const r = await handle.result();
          expect(t.stubs.count('restoreNodes')).toBe(1);
          expect(t.stubs.inputsOf('restoreNodes')).toEqual([expect.objectContaining({ runId: handle.firstExecutionRunId })]);
          expect(sequential(t.stubs)).toEqual(FULL_RUN);
          expect(r.restore?.nodes).toEqual(STUB_NODES.map((name) => ({ name, restored: true })));
          expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'operator', message: `abort requested: ${abort.reason}` }));
        });
      });
    }
  });

  it('a cancelled workflow restores once and ends aborted', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const handle = await t.startDrill(drillFixture({ timing: { hold: 60_000 } }));
      await waitForDrillPhase(handle, 'hold');
      await handle.cancel();
      const r = await handle.result();
      expect(r.outcome).toBe('aborted');
      expect(r.outcomeReason).toBe('the workflow was cancelled');
      expect(t.stubs.count('restoreNodes')).toBe(1);
    }));

  it('a guardrail that stops the hold ends the drill aborted, with the guardrail as the reason, and restores once', () =>
    wf.withWorker(stubActivities((d) => ({
      observe: (i) => (i.mode === 'hold' ? guardrailHold('probe web failing for more than 1 s')(i) : d.observe(i)),
    })), async (t) => {
      // A long hold: only the guardrail can end it this soon.
      const started = Date.now();
      const r = await (await t.startDrill(drillFixture({ timing: { hold: 60_000 } }))).result();
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(r.outcome).toBe('aborted');
      expect(r.outcomeReason).toBe('guardrail: probe web failing for more than 1 s');
      expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'guardrail', message: 'probe web failing for more than 1 s' }));
      expect(t.stubs.count('restoreNodes')).toBe(1);
      expect(sequential(t.stubs)).toEqual(FULL_RUN);
    }));

  describe('a failing activity', () => {
    it('injectFault failing for good: its own message is the outcome reason, and what was touched is restored once', () => {
      const message = 'node node-a-1 is held by another run (drill-x-20261201T000000Z); it was not touched';
      return wf.withWorker(stubActivities({ injectFault: failWith(message, 'NodeHeld') }), async (t) => {
        const r = await (await t.startDrill(drillFixture())).result();
        expect(r.outcome).toBe('error');
        expect(r.outcomeReason).toBe(message);
        expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'error', message }));
        expect(t.stubs.count('injectFault')).toBe(1);
        expect(t.stubs.count('restoreNodes')).toBe(1);
      });
    });

    it('preflight failing for good: error with its message; nothing injected, nothing restored', () => {
      const message = 'forbidden: the worker may not patch nodes; nothing was changed';
      return wf.withWorker(stubActivities({ preflight: failWith(message, 'PermissionError') }), async (t) => {
        const r = await (await t.startDrill(drillFixture())).result();
        expect(r.outcome).toBe('error');
        expect(r.outcomeReason).toBe(message);
        expect(t.stubs.steps()).toEqual(NOTHING_TOUCHED);
      });
    });
  });

  it('blast-radius guards refusing at preflight: refused, nothing touched', () =>
    wf.withWorker(stubActivities({ preflight: async () => preflightResult({ refuse: 'target holds the only replicas of shop/db' }) }), async (t) => {
      const r = await (await t.startDrill(drillFixture())).result();
      expect(r.outcome).toBe('refused');
      expect(r.outcomeReason).toBe('blast-radius guards refused the drill: target holds the only replicas of shop/db');
      expect(t.stubs.steps()).toEqual(NOTHING_TOUCHED);
    }));
});
