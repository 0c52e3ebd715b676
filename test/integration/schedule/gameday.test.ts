import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGameDay } from '../../../client/gamedays.js';
import { loadGameDayFile, type GameDayLoad } from '../../../drills/gameday/load.js';
import { formatProblem } from '../../../drills/positions.js';
import type { DrillResult } from '../../../report/result.js';
import { type GameDayResult, type GameDayStatus, abortSignal, approveSignal, gameDayStatusQuery } from '../../../workflows/contract.js';
import { waitForPhase, type TestWorker } from '../../support/drill.js';
import { eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { drillDoc, labelNode, startGameDayWorker, startOkServer, writeYaml, type LabelledNode } from './support.js';

// Game days on the real stack: two cordon drills of one labelled node, one approval for the day.

const stack = inject('stack');

describe('game days', () => {
  const kc = kubeFor(stack);
  const id = uniqueName('gameday');
  let node: LabelledNode;
  let server: Awaited<ReturnType<typeof startOkServer>>;
  let w: TestWorker;
  let dir: string;

  beforeAll(async () => {
    node = await labelNode(kc, id);
    server = await startOkServer();
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-gameday-'));
    w = await startGameDayWorker(stack, await mkdtemp(path.join(tmpdir(), 'firedrill-gameday-reports-')));
  });

  afterAll(async () => {
    await w?.stop();
    await server?.close();
    const cordoned = await node?.unschedulable();
    await node?.release();
    await rm(dir, { recursive: true, force: true });
    expect(cordoned).toBe(false);
  });

  async function day(name: string, drills: Array<{ name: string; hold?: string; pauseAfter?: string }>): Promise<Extract<GameDayLoad, { ok: true }>> {
    for (const d of drills) await writeYaml(dir, `${d.name}.yaml`, drillDoc(d.name, node, server.url, d.hold ? { timing: { hold: d.hold, maxDuration: '3m' } } : {}));
    const file = await writeYaml(dir, `${name}.yaml`, {
      apiVersion: 'firedrill.dev/v1', kind: 'GameDay',
      metadata: { name, owner: 'integration-tests' },
      drills: drills.map((d) => ({ file: `./${d.name}.yaml`, ...(d.pauseAfter ? { pauseAfter: d.pauseAfter } : {}) })),
      approval: { required: true, timeout: '2m', approvers: ['it-lead'] },
    });
    const loaded = await loadGameDayFile(file);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
    return loaded;
  }

  async function dayPhase(handle: ReturnType<typeof w.client.workflow.getHandle>, phase: GameDayStatus['phase']): Promise<GameDayStatus> {
    return eventually(`game day in phase ${phase}`, async () => {
      const s = await handle.query(gameDayStatusQuery);
      // A drill phase counts once its child has started.
      return s.phase === phase && (phase !== 'drill' || s.current) ? s : undefined;
    }, 60_000, 200);
  }

  it('runs both drills in order under one approval and writes one combined result', async () => {
    const first = uniqueName('it-gd-one');
    const second = uniqueName('it-gd-two');
    const loaded = await day(uniqueName('it-day'), [{ name: first, pauseAfter: '1s' }, { name: second }]);
    const handle = await startGameDay(w.client, w.target, loaded);
    await dayPhase(handle, 'approval');
    await handle.signal(approveSignal, { identity: 'mallory' });
    await handle.signal(approveSignal, { identity: 'it-lead' });
    const r = (await handle.result()) as GameDayResult;

    expect(r.schemaVersion).toBe('firedrill.dev/gameday/v1');
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.approval).toMatchObject({ required: true, approvedBy: 'it-lead', refused: [{ identity: 'mallory', reason: expect.stringMatching(/not listed/) }] });
    // Each drill's own objective and the failback objective every drill has.
    expect(r.drills.map((d) => [d.name, d.outcome, d.workflowId, d.objectives])).toEqual([
      [first, 'passed', `${handle.workflowId}-1-${first}`, { met: 2, total: 2, missed: [] }],
      [second, 'passed', `${handle.workflowId}-2-${second}`, { met: 2, total: 2, missed: [] }],
    ]);
    // In order, with the pause between them.
    expect(Date.parse(r.drills[1]?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(r.drills[0]?.endedAt ?? '') + 1000);
    for (const d of r.drills) {
      const child = (await w.client.workflow.getHandle(d.workflowId ?? '').result()) as DrillResult;
      expect(child.run.trigger).toBe('gameday');
      expect(child.approval.approvedBy).toBe('it-lead');
    }

    const out = path.join(w.reportDir, r.day.name, handle.workflowId);
    expect(JSON.parse(await readFile(path.join(out, 'gameday.json'), 'utf8'))).toEqual(r);
    const md = await readFile(path.join(out, 'gameday.md'), 'utf8');
    expect(md).toMatch(new RegExp(`^# Game day ${r.day.name}: PASSED`));
    expect(md).toContain(`| 2 | ${second} | passed`);
    expect(await node.unschedulable()).toBe(false);
  });

  it('an abort during the first drill restores it and skips the second', async () => {
    const first = uniqueName('it-gd-long');
    const second = uniqueName('it-gd-never');
    const loaded = await day(uniqueName('it-day'), [{ name: first, hold: '60s' }, { name: second }]);
    const handle = await startGameDay(w.client, w.target, loaded, { approvedBy: 'it-lead' });
    const s = await dayPhase(handle, 'drill');
    const childId = s.current?.workflowId ?? '';
    await waitForPhase(w.client.workflow.getHandle(childId), 'hold');
    expect(await node.unschedulable()).toBe(true);
    await handle.signal(abortSignal, { identity: 'it-lead', reason: 'pager went off' });
    const r = (await handle.result()) as GameDayResult;

    expect(r.outcome).toBe('aborted');
    expect(r.outcomeReason).toBe('aborted by it-lead: pager went off');
    expect(r.drills.map((d) => [d.name, d.outcome])).toEqual([[first, 'aborted'], [second, 'skipped']]);
    expect(r.drills[1]).toMatchObject({ workflowId: null, outcomeReason: 'skipped: the game day was aborted by it-lead' });
    const child = (await w.client.workflow.getHandle(childId).result()) as DrillResult;
    expect(child.outcome).toBe('aborted');
    expect(child.restore?.nodes).toEqual([{ name: node.name, restored: true }]);
    expect(await node.unschedulable()).toBe(false);
    const started = [];
    for await (const wf of w.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}-2-${second}'` })) started.push(wf.workflowId);
    expect(started).toEqual([]);
  });
});
