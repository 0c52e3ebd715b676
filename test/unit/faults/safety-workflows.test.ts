import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectInput, InjectResult, MarkScan } from '../../../activities/index.js';
import { abortSignal, deadlineRestoreSignal } from '../../../workflows/contract.js';
import { injectResult, STUB_NODES, stubActivities } from '../../support/stub-activities.js';
import { drillFixture, startWorkflowEnv, waitForDrillPhase, type WorkflowEnv } from '../../support/workflow-env.js';

// The workflow side of the safety promises, on a private Temporal server with stub activities:
// a drill told that the janitor restored it at the deadline stops and says so; an abort during
// injection cancels it and restore gets the workflow's own record; the janitor restores past the
// deadline whoever owns a mark, acts on its own marks only otherwise, and reports the rest.

const PAST = '2000-01-01T00:00:00.000Z';
/** Run ids as Temporal makes them (UUIDs); the janitor signals only those. */
const RUN = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FUTURE = '2999-01-01T00:00:00.000Z';

describe('safety in the workflows', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
  afterAll(async () => { await wf?.teardown(); });

  it('a drill told of a deadline restore during the hold stops at once, journals it, and restore says who restored the nodes', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const handle = await t.startDrill(drillFixture({ timing: { hold: 600_000, maxDuration: 900_000 } }));
      await waitForDrillPhase(handle, 'hold');
      await handle.signal(deadlineRestoreSignal, { janitorWorkflowId: 'janitor-1', restoreBy: PAST, nodes: STUB_NODES, at: new Date().toISOString() });
      const r = await handle.result();
      expect(r.outcome).toBe('aborted');
      expect(r.outcomeReason).toMatch(/restore-by deadline 2000-01-01T00:00:00.000Z passed/);
      expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'guardrail', message: expect.stringMatching(/the janitor \(janitor-1\) restored 2 node\(s\)/) }));
      expect(t.stubs.inputsOf('restoreNodes')).toEqual([expect.objectContaining({ runId: handle.firstExecutionRunId, changed: [], restoredByJanitor: STUB_NODES })]);
    }));

  it('an abort during injection cancels it; restore gets the nodes it changed (name, UID, prior state) and the journal says when it stopped', () => {
    const stoppedAt = { at: '' };
    const stubs = stubActivities({
      injectFault: async (input: InjectInput): Promise<InjectResult> => {
        const ctx = Context.current();
        // One node done, then the rest waits for the cancellation (heartbeats carry it here).
        await new Promise<void>((resolve) => {
          const beat = setInterval(() => ctx.heartbeat(), 50);
          ctx.cancellationSignal.addEventListener('abort', () => { clearInterval(beat); resolve(); }, { once: true });
        });
        stoppedAt.at = new Date().toISOString();
        const base = injectResult(input);
        return {
          ...base, stopped: true, t0Reached: false, stoppedAt: stoppedAt.at,
          nodes: [{ name: input.nodes[0] as string, uid: 'uid-1', actions: ['cordon'], wasCordoned: false }],
        };
      },
    });
    return wf.withWorker(stubs, async (t) => {
      const handle = await t.startDrill(drillFixture());
      await t.stubs.started('injectFault');
      await handle.signal(abortSignal, { identity: 'oncall', reason: 'stop' });
      const r = await handle.result();
      expect(r.outcome).toBe('aborted');
      expect(t.stubs.inputsOf('restoreNodes')).toEqual([expect.objectContaining({
        runId: handle.firstExecutionRunId, changed: [{ name: STUB_NODES[0], uid: 'uid-1', actions: ['cordon'], wasCordoned: false }], planned: STUB_NODES,
      })]);
      expect(r.journal.map((e) => e.message)).toContain(`injection stopped at ${stoppedAt.at}, when the cancellation reached it: 1 node(s) changed, nothing new sent after`);
    });
  });

  describe('the janitor', () => {
    const cluster = 'cluster-1';
    const scan = (runs: (me: { namespace: string; taskQueue: string }) => MarkScan['runs'], problems: MarkScan['problems'] = []) => async (): Promise<MarkScan> => {
      const info = Context.current().info;
      return { cluster, runs: runs({ namespace: info.namespace, taskQueue: info.taskQueue }), problems, notes: [] };
    };

    it('past the deadline restores another owner\'s open run and tries to tell it; before it, leaves other owners and reports marks that do not verify', () => {
      const opened: string[] = [];
      const stubs = stubActivities({
        scanMarks: scan((me) => [
          { runId: RUN(1), workflowId: 'wf-past', nodes: ['n1'], owner: { namespace: me.namespace, taskQueue: 'other-queue', cluster }, restoreBy: PAST },
          { runId: RUN(2), workflowId: 'wf-other', nodes: ['n2'], owner: { namespace: 'other-ns', taskQueue: 'q', cluster }, restoreBy: FUTURE },
          { runId: RUN(3), workflowId: 'wf-open', nodes: ['n3'], owner: { ...me, cluster }, restoreBy: FUTURE },
          { runId: RUN(4), workflowId: 'wf-c', nodes: ['n4'], owner: { ...me, cluster: 'cluster-2' }, restoreBy: FUTURE },
        ], [{ node: 'n5', runId: RUN(5), workflowId: '', reason: 'the mark names no workflow id' }]),
        isRunOpen: async ({ runId }) => { opened.push(runId); return true; },
      });
      return wf.withWorker(stubs, async (t) => {
        const report = await (await t.startJanitor()).result();
        expect(report.restored).toEqual([expect.objectContaining({ runId: RUN(1), why: 'deadline', signalled: false })]);
        expect(t.stubs.inputsOf('restoreNodes')).toEqual([{ runId: RUN(1) }]);
        expect(report.otherOwners?.map((x) => x.runId)).toEqual([RUN(2), RUN(4)]);
        expect(report.leftToOpenRuns.map((x) => x.runId)).toEqual([RUN(3)]);
        // Temporal is asked about its own runs only: "not found" means nothing for other owners.
        expect(opened).toEqual([RUN(3)]);
        expect(report.problems).toEqual([expect.objectContaining({ node: 'n5', reason: 'the mark names no workflow id' })]);
      });
    });

    it('--run restores a mark that does not verify, and nothing else; a run Temporal cannot answer about is reported, not fatal', () => {
      const stubs = stubActivities({
        scanMarks: scan((me) => [{ runId: RUN(6), workflowId: 'wf', nodes: ['n1'], owner: { ...me, cluster }, restoreBy: FUTURE }],
          [{ node: 'n5', runId: RUN(5), workflowId: 'wf-bad', reason: 'the mark names no owner' }]),
        isRunOpen: async () => { throw new Error('Invalid RunId.'); },
      });
      return wf.withWorker(stubs, async (t) => {
        const report = await (await t.startJanitor({ runs: [RUN(5)], allContexts: false })).result();
        expect(report.restored).toEqual([expect.objectContaining({ runId: RUN(5), why: 'requested', nodes: ['n5'] })]);
        expect(t.stubs.inputsOf('restoreNodes')).toEqual([{ runId: RUN(5), trustMarks: true }]);
        expect(report.problems).toEqual([expect.objectContaining({ node: 'n1', reason: expect.stringMatching(/could not ask Temporal whether its run is open/) })]);
        expect(t.stubs.count('janitorContexts')).toBe(0);
      });
    });
  });
});
