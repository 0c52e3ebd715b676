import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUB_NODES, stubActivities, untilCancelled } from '../../support/stub-activities.js';
import { drillFixture, startWorkflowEnv, type WorkflowEnv } from '../../support/workflow-env.js';

// fault.includeNewNodes: a node that joins the target during the hold gets the fault as well,
// and is restored with the others; without the option it is never touched (restore reports it).

const JOINED = { name: 'zone-a-9', actions: ['cordon' as const], wasCordoned: false, uid: 'uid-9' };

describe('nodes that join the target during the hold', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
  afterAll(async () => { await wf?.teardown(); });

  it('with includeNewNodes: faulted beside the hold, stopped before restore, restored as a changed node', () =>
    wf.withWorker(stubActivities((d) => ({
      faultJoiningNodes: untilCancelled(() => ({ nodes: [JOINED], evicted: 3, apiRetries: 0 })),
      // The cluster restores what carries the run's marks: the joined node's too.
      restoreNodes: async (input) => {
        const r = await d.restoreNodes(input);
        return { ...r, nodes: [...r.nodes, ...(input.changed ?? []).filter((c) => c.name === JOINED.name).map((c) => ({ name: c.name, restored: true }))] };
      },
    })), async (t) => {
      const handle = await t.startDrill(drillFixture({ fault: { includeNewNodes: true } }));
      const r = await handle.result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
      expect(t.stubs.inputsOf('faultJoiningNodes')).toEqual([expect.objectContaining({ planned: STUB_NODES, mode: 'drain', runId: handle.firstExecutionRunId })]);
      const steps = t.stubs.steps();
      expect(steps.indexOf('faultJoiningNodes')).toBeGreaterThan(steps.indexOf('injectFault'));
      expect(steps.indexOf('faultJoiningNodes')).toBeLessThan(steps.indexOf('restoreNodes'));
      // Restore is given the joined node as one this run changed, with its UID.
      expect(t.stubs.inputsOf('restoreNodes')[0]?.changed?.map((c) => c.name)).toContain('zone-a-9');
      expect(r.injection?.nodes.map((n) => n.name)).toContain('zone-a-9');
      expect(r.injection?.nodes.every((n) => n.restored)).toBe(true);
      expect(r.journal).toContainEqual(expect.objectContaining({
        kind: 'warning', message: '1 node(s) joined the target during the hold and were faulted too (fault.includeNewNodes): zone-a-9',
      }));
    }));

  it('without it: nothing watches for joining nodes', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const r = await (await t.startDrill(drillFixture())).result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
      expect(t.stubs.count('faultJoiningNodes')).toBe(0);
    }));
});
