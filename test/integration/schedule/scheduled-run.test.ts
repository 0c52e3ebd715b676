import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DrillResult } from '../../../report/result.js';
import { scanResults } from '../../../report/store.js';
import { startWorker, type TestWorker } from '../../support/drill.js';
import { kubeFor, uniqueName } from '../../support/kube.js';
import { cli, cliEnv, drillDoc, labelNode, startOkServer, writeYaml, type LabelledNode } from './support.js';

// A synced schedule, triggered: the scheduled workflow runs the drill as a child and its result
// lands in the report history; inside a blackout it injects nothing and records why.

const stack = inject('stack');

describe('scheduled drills', () => {
  const kc = kubeFor(stack);
  const id = uniqueName('sched-run');
  const drill = uniqueName('it-sched');
  const frozen = uniqueName('it-frozen');
  let node: LabelledNode;
  let server: Awaited<ReturnType<typeof startOkServer>>;
  let w: TestWorker;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    node = await labelNode(kc, id);
    server = await startOkServer();
    w = await startWorker(stack);
    env = cliEnv(stack, w.taskQueue, w.reportDir);
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-sched-run-'));
    const hour = 3_600_000;
    await writeYaml(dir, 'run.yaml', drillDoc(drill, node, server.url, { schedule: { cron: '0 3 1 1 *', timezone: 'UTC' } }));
    await writeYaml(dir, 'frozen.yaml', drillDoc(frozen, node, server.url, {
      schedule: {
        cron: '0 3 1 1 *',
        blackouts: [
          { name: 'long-past', start: new Date(Date.now() - 48 * hour).toISOString(), end: new Date(Date.now() - 24 * hour).toISOString() },
          { name: 'it-freeze', start: new Date(Date.now() - hour).toISOString(), end: new Date(Date.now() + hour).toISOString() },
        ],
      },
    }));
    const sync = await cli(['schedule', 'sync', dir], env);
    if (sync.code !== 0) throw new Error(`sync failed: ${sync.stderr}`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    // An empty catalog: sync deletes every schedule of this task queue.
    await mkdtemp(path.join(tmpdir(), 'firedrill-empty-')).then(async (empty) => {
      await cli(['schedule', 'sync', empty], env);
      await rm(empty, { recursive: true, force: true });
    });
    await w?.stop();
    await server?.close();
    const cordoned = await node?.unschedulable();
    await node?.release();
    expect(cordoned).toBe(false);
  });

  async function trigger(name: string): Promise<{ workflowId: string; result: DrillResult }> {
    const t = await cli(['schedule', 'trigger', name, '--json'], env);
    expect(t.code, t.stderr).toBe(0);
    const { workflowId } = JSON.parse(t.stdout) as { workflowId: string };
    expect(workflowId).toMatch(new RegExp(`^${name}-scheduled-`));
    return { workflowId, result: (await w.client.workflow.getHandle(workflowId).result()) as DrillResult };
  }

  it('a triggered schedule runs the drill as a child and its result appears in the history', async () => {
    const { workflowId, result } = await trigger(drill);
    expect(result.outcome, result.outcomeReason).toBe('passed');
    expect(result.run.trigger).toBe('schedule');
    expect(result.run.workflowId).toBe(`${workflowId}-drill`);
    expect(result.injection?.nodes.map((n) => ({ name: n.name, actions: n.actions, restored: n.restored }))).toEqual([{ name: node.name, actions: ['cordon'], restored: true }]);
    expect(await node.unschedulable()).toBe(false);

    const { results } = await scanResults(w.reportDir, drill);
    expect(results.map((r) => [r.result.run.workflowId, r.result.outcome])).toEqual([[`${workflowId}-drill`, 'passed']]);

    const list = await cli(['schedule', 'list', '--json'], env);
    const row = (JSON.parse(list.stdout) as Array<{ drill: string; last?: { workflowId: string; outcome?: string } }>).find((r) => r.drill === drill);
    expect(row?.last).toMatchObject({ workflowId, outcome: 'passed' });
  });

  it('a run inside a blackout window is skipped, injects nothing and records why', async () => {
    const { workflowId, result } = await trigger(frozen);
    expect(result.outcome).toBe('skipped');
    expect(result.outcomeReason).toBe('skipped: blackout it-freeze');
    expect(result.injection).toBeNull();
    expect(result.plan).toBeNull();
    expect(result.journal.map((e) => e.message)).toContainEqual(expect.stringMatching(/^skipped: blackout it-freeze \(.+\): nothing was changed$/));

    const { results } = await scanResults(w.reportDir, frozen);
    expect(results.map((r) => [r.result.run.workflowId, r.result.outcome, r.result.outcomeReason])).toEqual([[workflowId, 'skipped', 'skipped: blackout it-freeze']]);
    // The scheduled run never started a drill.
    const children = [];
    for await (const wf of w.client.workflow.list({ query: `WorkflowId = '${workflowId}-drill'` })) children.push(wf.workflowId);
    expect(children).toEqual([]);
  });
});
