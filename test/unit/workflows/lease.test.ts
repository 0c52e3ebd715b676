import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortSignal, scheduledStatusQuery, statusQuery } from '../../../workflows/contract.js';
import { preflightResult, stubActivities } from '../../support/stub-activities.js';
import { drillFixture, gameDayFixture, startWorkflowEnv, waitForDrillPhase, type WorkflowEnv } from '../../support/workflow-env.js';

// One drill per target at a time, and blackouts that hold for the whole run: the drill takes its
// target's lease after preflight (the stubs keep the leases as one cluster would, refusing an
// overlapping target), renews it just before injection and releases it after restore, whoever
// started it; a scheduled run whose fault could reach into a blackout window does not start.

const MINUTE = 60_000;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

let wf: WorkflowEnv;
beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
afterAll(async () => { await wf?.teardown(); });

/** Preflight answers with nodes of the target's zone, so zones overlap only with themselves. */
const zoneNodes = () => stubActivities({
  preflight: async ({ spec }) => preflightResult({ nodes: spec.target.type === 'zone' ? [`${spec.target.zone}-1`, `${spec.target.zone}-2`] : ['zone-a-1', 'zone-b-1'] }),
});

describe('the target lease', () => {
  it('is taken after preflight, renewed for the fault just before injection, and released after restore', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const spec = drillFixture();
      const handle = await t.startDrill(spec);
      const r = await handle.result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
      const steps = t.stubs.steps().filter((s) => s !== 'observe:hold');
      expect(steps.slice(1, 5)).toEqual(['preflight', 'acquireLease', 'observe:baseline', 'acquireLease']);
      expect(steps.indexOf('releaseLease')).toBeGreaterThan(steps.indexOf('restoreNodes'));
      const holder = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, drill: spec.metadata.name, target: spec.target, nodes: ['zone-a-1', 'zone-a-2'] };
      const [taken, renewed] = t.stubs.inputsOf('acquireLease');
      expect(taken).toMatchObject(holder);
      expect(taken?.forFault).toBeUndefined();
      // The renewal lasts maxDuration (plus the restore grace, added by the activity): it ends by the marks' restore-by.
      expect(renewed).toMatchObject({ ...holder, durationMs: spec.timing.maxDuration, forFault: true });
      expect(t.stubs.inputsOf('releaseLease')).toEqual([expect.objectContaining({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId })]);
      const messages = r.journal.map((e) => e.message);
      expect(messages).toContainEqual(expect.stringMatching(/^lease firedrill\/\S+ taken until /));
      expect(messages).toContainEqual(expect.stringMatching(/^lease firedrill\/\S+ renewed for the fault until /));
      expect(messages).toContainEqual(expect.stringMatching(/^lease firedrill\/\S+ released$/));
    }));

  it('refuses a second drill on the same zone at preflight with the holder\'s run id, changing nothing; another zone runs', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const first = await t.startDrill(drillFixture({ metadata: { name: 'zone-a-first' }, timing: { hold: 60_000 } }));
      await waitForDrillPhase(first, 'hold');
      const before = t.stubs.count('injectFault');

      const second = await t.startDrill(drillFixture({ metadata: { name: 'zone-a-second' } }));
      const r = await second.result();
      expect(r.outcome).toBe('refused');
      expect(r.outcomeReason).toMatch(new RegExp(`^another drill holds an overlapping target: run ${first.firstExecutionRunId} \\(workflow ${first.workflowId}, drill zone-a-first\\) holds lease \\S+ until .+; nothing was changed$`));
      expect(t.stubs.count('injectFault')).toBe(before);
      expect(t.stubs.inputsOf('observe').filter((i) => i.mode === 'baseline')).toHaveLength(1);
      // A refused run has nothing to release.
      expect(t.stubs.inputsOf('releaseLease').filter((i) => i.runId === second.firstExecutionRunId)).toEqual([]);

      const other = await (await t.startDrill(drillFixture({ metadata: { name: 'zone-b' }, target: { zone: 'zone-b' } }))).result();
      expect(other.outcome, other.outcomeReason).toBe('passed');
      // A whole-cluster drill overlaps every zone.
      const cluster = await (await t.startDrill(drillFixture({ metadata: { name: 'whole' }, target: { type: 'cluster' } as never }))).result();
      expect(cluster.outcome).toBe('refused');
      expect(cluster.outcomeReason).toContain(`run ${first.firstExecutionRunId}`);

      await first.signal(abortSignal, { identity: 'bob', reason: 'test over' });
      expect((await first.result()).outcome).toBe('aborted');
      // Released: the zone is free again.
      const again = await (await t.startDrill(drillFixture({ metadata: { name: 'zone-a-again' } }))).result();
      expect(again.outcome, again.outcomeReason).toBe('passed');
    }));

  it('is the same lock for scheduled runs and game-day children', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const manual = await t.startDrill(drillFixture({ metadata: { name: 'manual' }, timing: { hold: 60_000 } }));
      await waitForDrillPhase(manual, 'hold');

      const sched = await (await t.startScheduled(drillFixture({ metadata: { name: 'sched' }, schedule: { cron: '0 3 1 */3 *', timezone: 'UTC', enabled: true, blackouts: [] } }))).result();
      expect(sched.run.trigger).toBe('schedule');
      expect(sched.outcome).toBe('refused');
      expect(sched.outcomeReason).toContain(`run ${manual.firstExecutionRunId}`);

      const day = await (await t.startGameDay(gameDayFixture([drillFixture({ metadata: { name: 'day-1' } })]))).result();
      expect(day.drills[0]?.outcome).toBe('refused');
      expect(day.drills[0]?.outcomeReason).toContain(`run ${manual.firstExecutionRunId}`);
      await manual.cancel();
    }));

  it('is released when the run is aborted while waiting for approval', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const handle = await t.startDrill(drillFixture({ approval: { required: true } }));
      await waitForDrillPhase(handle, 'approval');
      await handle.signal(abortSignal, { identity: 'bob', reason: 'not today' });
      expect((await handle.result()).outcome).toBe('aborted');
      expect(t.stubs.inputsOf('releaseLease')).toHaveLength(1);
      expect(t.stubs.count('injectFault')).toBe(0);
      const next = await (await t.startDrill(drillFixture({ metadata: { name: 'next' } }))).result();
      expect(next.outcome, next.outcomeReason).toBe('passed');
    }));
});

describe('blackouts hold for the whole run', () => {
  const scheduled = (blackout: { name: string; start: string; end: string }, extra: Parameters<typeof drillFixture>[0] = {}) =>
    drillFixture({ schedule: { cron: '0 3 1 */3 *', timezone: 'UTC', enabled: true, blackouts: [blackout] }, ...extra });

  it('a scheduled run whose fault could reach into a window does not start, and says why', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      // maxDuration 60 s: a window 30 s ahead would begin while the fault could still be on.
      const handle = await t.startScheduled(scheduled({ name: 'freeze', start: inMs(30_000), end: inMs(60 * MINUTE) }));
      const r = await handle.result();
      expect(r.outcome).toBe('skipped');
      expect(r.outcomeReason).toBe('skipped: blackout freeze would start during the fault');
      expect(r.journal.map((e) => e.message)).toContainEqual(expect.stringMatching(/^skipped: blackout freeze would start during the fault \(.+\): it starts before the fault could be over \(by .+\): nothing was changed$/));
      expect(t.stubs.names()).toEqual(['writeReport']);
      expect(await handle.query(scheduledStatusQuery)).toMatchObject({ phase: 'skipped' });
    }));

  it('counts the approval wait: a window after maxDuration but inside the approval timeout still skips', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const r = await (await t.startScheduled(scheduled({ name: 'freeze', start: inMs(10 * MINUTE), end: inMs(60 * MINUTE) }, { approval: { required: true, timeout: 30 * MINUTE } }))).result();
      expect(r.outcome).toBe('skipped');
      expect(t.stubs.count('preflight')).toBe(0);
    }));

  it('a window that starts after the fault could be over does not stop the run', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const r = await (await t.startScheduled(scheduled({ name: 'later', start: inMs(10 * MINUTE), end: inMs(60 * MINUTE) }))).result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
    }));

  it('a scheduled drill that slipped checks again before it injects: skipped, nothing injected, its lease released', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      // The drill as the schedule's child, started with a window ahead that the parent would have refused.
      const handle = await t.startDrill(scheduled({ name: 'freeze', start: inMs(30_000), end: inMs(60 * MINUTE) }), { trigger: 'schedule' });
      const r = await handle.result();
      expect(r.outcome).toBe('skipped');
      expect(r.outcomeReason).toBe('skipped: blackout freeze would start during the fault');
      expect(r.journal.map((e) => e.message)).toContainEqual(expect.stringMatching(/^blackout freeze \(.+\) would start before the fault could be over .*: nothing was injected$/));
      expect(t.stubs.count('injectFault')).toBe(0);
      expect(t.stubs.count('restoreNodes')).toBe(0);
      expect(t.stubs.count('releaseLease')).toBe(1);
      expect((await handle.query(statusQuery)).phase).toBe('done');
    }));

  it('a manual run of the same drill is not held to the schedule\'s blackouts', () =>
    wf.withWorker(zoneNodes(), async (t) => {
      const r = await (await t.startDrill(scheduled({ name: 'freeze', start: inMs(30_000), end: inMs(60 * MINUTE) }))).result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
    }));
});
