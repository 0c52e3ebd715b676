import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, scheduledStatusQuery, statusQuery, type DrillWorkflow } from '../../../workflows/contract.js';
import { stubActivities } from '../../support/stub-activities.js';
import { drillFixture, startWorkflowEnv, waitForDrillPhase, waitUntil, type WorkflowEnv } from '../../support/workflow-env.js';

// What a Temporal Schedule starts (the blackout check, then the drill as a child), and the
// janitor, on a private Temporal server with stub activities.

const HOUR = 3_600_000;
const window = (fromMs: number, toMs: number) => ({
  name: 'year-end-freeze', start: new Date(Date.now() + fromMs).toISOString(), end: new Date(Date.now() + toMs).toISOString(),
});
const scheduled = (blackout: ReturnType<typeof window>, extra: Parameters<typeof drillFixture>[0] = {}) =>
  drillFixture({ schedule: { cron: '0 3 1 */3 *', timezone: 'UTC', enabled: true, blackouts: [blackout] }, ...extra });

// One server for both workflows of this file.
let wf: WorkflowEnv;
beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
afterAll(async () => { await wf?.teardown(); });

describe('scheduled drill workflow', () => {
  it('inside a blackout: skipped, nothing injected, only the report written', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const handle = await t.startScheduled(scheduled(window(-HOUR, HOUR)));
      const r = await handle.result();
      expect(r.outcome).toBe('skipped');
      expect(r.outcomeReason).toBe('skipped: blackout year-end-freeze');
      expect(r.run.trigger).toBe('schedule');
      expect(r.injection).toBeNull();
      expect(t.stubs.names()).toEqual(['writeReport']);
      expect(await handle.query(scheduledStatusQuery)).toMatchObject({ kind: 'scheduled', phase: 'skipped' });
    }));

  it('outside a blackout: runs the drill as its child, passing an approve signal on to it', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const handle = await t.startScheduled(scheduled(window(HOUR, 2 * HOUR), { approval: { required: true } }));
      const s = await waitUntil(() => handle.query(scheduledStatusQuery), (x) => x.phase === 'running', 'the child drill to start');
      expect(s.childWorkflowId).toBe(`${handle.workflowId}-drill`);
      const child = t.client.workflow.getHandle<DrillWorkflow>(s.childWorkflowId as string);
      await waitForDrillPhase(child, 'approval');
      // The operator signals the scheduled run, not its child.
      await handle.signal(approveSignal, { identity: 'alice' });
      const r = await handle.result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
      expect(r.run.workflowId).toBe(s.childWorkflowId);
      expect(r.run.trigger).toBe('schedule');
      expect(r.approval.approvedBy).toBe('alice');
      expect(t.stubs.count('injectFault')).toBe(1);
      expect(t.stubs.count('restoreNodes')).toBe(1);
      expect((await child.query(statusQuery)).phase).toBe('done');
    }));
});

describe('janitor workflow', () => {
  const runs = [
    { workflowId: 'drill-open', runId: 'run-open', nodes: ['node-a-1'] },
    { workflowId: 'drill-terminated', runId: 'run-terminated', nodes: ['node-b-1', 'node-b-2'] },
  ];
  // Marks of the janitor's own namespace and task queue, before their deadline.
  const stubs = () => stubActivities({
    scanMarks: async () => {
      const owner = { namespace: Context.current().info.namespace, taskQueue: Context.current().info.taskQueue, cluster: 'cluster-1' };
      return { cluster: 'cluster-1', runs: runs.map((r) => ({ ...r, owner, restoreBy: '2999-01-01T00:00:00.000Z' })), problems: [], notes: [] };
    },
    isRunOpen: async ({ runId }) => runId === 'run-open',
  });

  it('restores the nodes of runs that are no longer open, and leaves open runs to themselves', () =>
    wf.withWorker(stubs(), async (t) => {
      const report = await (await t.startJanitor()).result();
      expect(report).toMatchObject({ checkedRuns: 2, restored: [{ ...runs[1], why: 'closed' }], leftToOpenRuns: [runs[0]], dryRun: false });
      expect(t.stubs.inputsOf('restoreNodes')).toEqual([{ runId: 'run-terminated' }]);
    }));

  it('in a dry run restores nothing', () =>
    wf.withWorker(stubs(), async (t) => {
      const report = await (await t.startJanitor({ dryRun: true })).result();
      expect(report.restored).toEqual([{ ...runs[1], why: 'closed', restoreBy: '2999-01-01T00:00:00.000Z' }]);
      expect(report.dryRun).toBe(true);
      expect(t.stubs.count('restoreNodes')).toBe(0);
    }));
});
