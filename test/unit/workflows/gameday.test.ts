import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillSpec } from '../../../drills/schema/index.js';
import { abortSignal, approveSignal, gameDayStatusQuery, type DrillWorkflow } from '../../../workflows/contract.js';
import { guardrailHold, preflightResult, stubActivities } from '../../support/stub-activities.js';
import { drillFixture, gameDayFixture, startWorkflowEnv, waitUntil, type WorkflowEnv } from '../../support/workflow-env.js';

// The game day on a private Temporal server with stub activities: one approval for the day,
// drills as child workflows in order, and the rule that after a drill ends aborted, refused or
// in error the rest are skipped.

/** A drill named `name` whose probe is `<name>-web`, so stubs can tell the day's drills apart. */
const drill = (name: string, extra: Parameters<typeof drillFixture>[0] = {}): DrillSpec => drillFixture({
  metadata: { name },
  probes: [{ ...drillFixture().probes[0] as DrillSpec['probes'][number], name: `${name}-web` }],
  objectives: [{ type: 'rto', probe: `${name}-web`, target: 30_000 }],
  ...extra,
});

describe('game day workflow', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => { wf = await startWorkflowEnv(); }, 120_000);
  afterAll(async () => { await wf?.teardown(); });

  it('one approval for the day releases every drill, even those that need their own; refused identities leave it waiting', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const first = drill('gd-first', { approval: { required: true, approvers: ['alice', 'carol'] } });
      const second = drill('gd-second');
      const handle = await t.startGameDay(gameDayFixture([first, second], { approval: { required: true, approvers: ['alice', 'bob'] } }));
      await waitUntil(() => handle.query(gameDayStatusQuery), (s) => s.phase === 'approval', 'the day to wait for approval');

      // carol may approve the first drill but is not listed for the day; bob is listed for the
      // day but not by the first drill, which lists approvers of its own.
      await handle.signal(approveSignal, { identity: 'carol' });
      await handle.signal(approveSignal, { identity: 'bob' });
      const s = await waitUntil(() => handle.query(gameDayStatusQuery), (x) => x.journal.filter((e) => e.kind === 'warning').length === 2, 'two refusals');
      expect(s.phase).toBe('approval');
      expect(s.journal.filter((e) => e.kind === 'warning').map((e) => [e.identity, e.message])).toEqual([
        ['carol', 'approval refused: not listed in the game day\'s approval.approvers'],
        ['bob', 'approval refused: not listed in approval.approvers of drill gd-first'],
      ]);
      expect(t.stubs.calls).toEqual([]);

      await handle.signal(approveSignal, { identity: 'alice' });
      const r = await handle.result();
      expect(r.outcome, r.outcomeReason).toBe('passed');
      expect(r.approval).toMatchObject({ required: true, approvedBy: 'alice' });
      expect(r.approval.refused.map((x) => x.identity)).toEqual(['carol', 'bob']);
      expect(r.drills.map((d) => [d.name, d.outcome])).toEqual([['gd-first', 'passed'], ['gd-second', 'passed']]);
      // Drills ran one after the other, each restoring once.
      expect(t.stubs.inputsOf('preflight').map((i) => i.spec.metadata.name)).toEqual(['gd-first', 'gd-second']);
      expect(t.stubs.count('restoreNodes')).toBe(2);
      const child = await t.client.workflow.getHandle<DrillWorkflow>(r.drills[0]?.workflowId as string).result();
      expect(child.approval.approvedBy).toBe('alice');
      expect(child.run.trigger).toBe('gameday');
      expect(t.stubs.inputsOf('writeGameDayReport')).toEqual([{ result: r }]);
    }));

  it('a drill refused at preflight: the drills after it are skipped, never started', () =>
    wf.withWorker(stubActivities({
      preflight: async ({ spec }) => (spec.metadata.name === 'gd-b' ? preflightResult({ refuse: 'loses every replica of shop/db' }) : preflightResult()),
    }), async (t) => {
      const r = await (await t.startGameDay(gameDayFixture([drill('gd-a'), drill('gd-b'), drill('gd-c')]))).result();
      expect(r.drills.map((d) => [d.name, d.outcome])).toEqual([['gd-a', 'passed'], ['gd-b', 'refused'], ['gd-c', 'skipped']]);
      expect(r.drills.slice(1).map((d) => d.outcomeReason)).toEqual([
        'blast-radius guards refused the drill: loses every replica of shop/db',
        'skipped: gd-b ended refused',
      ]);
      expect(r.drills[2]?.workflowId).toBeNull();
      expect(r.outcome).toBe('refused');
      expect(t.stubs.inputsOf('preflight').map((i) => i.spec.metadata.name)).toEqual(['gd-a', 'gd-b']);
      expect(t.stubs.count('injectFault')).toBe(1);
      expect(t.stubs.count('restoreNodes')).toBe(1);
    }));

  it('a drill aborted by its guardrail: the drills after it are skipped', () =>
    wf.withWorker(stubActivities((d) => ({
      observe: (i) => (i.mode === 'hold' && i.probes[0]?.name === 'gd-a-web' ? guardrailHold('error budget spent')(i) : d.observe(i)),
    })), async (t) => {
      const r = await (await t.startGameDay(gameDayFixture([drill('gd-a'), drill('gd-b')]))).result();
      expect(r.drills.map((d) => [d.name, d.outcome, d.outcomeReason])).toEqual([
        ['gd-a', 'aborted', 'guardrail: error budget spent'],
        ['gd-b', 'skipped', 'skipped: gd-a ended aborted'],
      ]);
      expect(r.outcome).toBe('aborted');
      expect(t.stubs.count('restoreNodes')).toBe(1);
    }));

  it('an abort of the day aborts the running drill (which restores) and skips the rest', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const handle = await t.startGameDay(gameDayFixture([drill('gd-a', { timing: { hold: 60_000 } }), drill('gd-b')]));
      await waitUntil(() => handle.query(gameDayStatusQuery), (s) => s.phase === 'drill', 'the first drill to start');
      await t.stubs.started('injectFault');
      await handle.signal(abortSignal, { identity: 'bob', reason: 'incident elsewhere' });
      const r = await handle.result();
      expect(r.outcome).toBe('aborted');
      expect(r.outcomeReason).toBe('aborted by bob: incident elsewhere');
      expect(r.drills.map((d) => [d.name, d.outcome, d.outcomeReason])).toEqual([
        ['gd-a', 'aborted', 'aborted by bob: incident elsewhere'],
        ['gd-b', 'skipped', 'skipped: the game day was aborted by bob'],
      ]);
      expect(t.stubs.count('restoreNodes')).toBe(1);
      expect(t.stubs.inputsOf('preflight')).toHaveLength(1);
    }));

  it('a day whose approval times out runs no drill', () =>
    wf.withWorker(stubActivities(), async (t) => {
      const r = await (await t.startGameDay(gameDayFixture([drill('gd-a'), drill('gd-b')], { approval: { required: true, timeout: 300 } }))).result();
      expect(r.outcome).toBe('refused');
      expect(r.outcomeReason).toBe('approval timed out: no drill ran');
      expect(r.drills.map((d) => [d.outcome, d.outcomeReason])).toEqual([
        ['skipped', 'skipped: the game day was not approved'],
        ['skipped', 'skipped: the game day was not approved'],
      ]);
      expect(t.stubs.names()).toEqual(['writeGameDayReport']);
    }));
});
