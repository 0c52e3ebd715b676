import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DrillResult } from '../../../report/result.js';
import { startWorker, temporalEnv, type TestWorker } from '../../support/drill.js';
import { kubeFor, uniqueName } from '../../support/kube.js';
import { cli, cliEnv, drillDoc, labelNode, startOkServer, writeYaml, type LabelledNode } from '../schedule/support.js';

// Schedules on the real server: `schedule sync` through the CLI with the stack's client
// certificate creates the Temporal Schedule, a second sync changes nothing, and a triggered
// schedule runs the drill as a child whose result the worker writes.

const stack = inject('serverStack');

describe('schedules on the real Temporal server with mTLS', () => {
  const kc = kubeFor(stack);
  const drill = uniqueName('it-srv-sched');
  let node: LabelledNode;
  let server: Awaited<ReturnType<typeof startOkServer>>;
  let w: TestWorker;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    node = await labelNode(kc, uniqueName('srv-sched'));
    server = await startOkServer();
    w = await startWorker(stack);
    env = { ...cliEnv(stack, w.taskQueue, w.reportDir), ...temporalEnv(stack) };
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-srv-sched-'));
    await writeYaml(dir, 'run.yaml', drillDoc(drill, node, server.url, { schedule: { cron: '0 3 1 1 *', timezone: 'UTC' } }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    const empty = await mkdtemp(path.join(tmpdir(), 'firedrill-empty-'));
    await cli(['schedule', 'sync', empty], env);
    await rm(empty, { recursive: true, force: true });
    await w?.stop();
    await server?.close();
    const cordoned = await node?.unschedulable();
    await node?.release();
    expect(cordoned).toBe(false);
  });

  it('sync creates the schedule once; a trigger runs the drill as a child, which passes and restores', async () => {
    const sync = await cli(['schedule', 'sync', dir], env);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(new RegExp(`create\\b.*${drill}`));
    const again = await cli(['schedule', 'sync', dir], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/no changes/);

    const t = await cli(['schedule', 'trigger', drill, '--json'], env);
    expect(t.code, t.stderr).toBe(0);
    const { workflowId } = JSON.parse(t.stdout) as { workflowId: string };
    const result = (await w.client.workflow.getHandle(workflowId).result()) as DrillResult;
    expect(result.outcome, result.outcomeReason).toBe('passed');
    expect(result.run.trigger).toBe('schedule');
    expect(result.run.workflowId).toBe(`${workflowId}-drill`);
    expect(result.injection?.nodes.map((n) => ({ name: n.name, actions: n.actions, restored: n.restored }))).toEqual([{ name: node.name, actions: ['cordon'], restored: true }]);
    expect(await node.unschedulable()).toBe(false);

    const list = await cli(['schedule', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const row = (JSON.parse(list.stdout) as Array<{ drill: string; last?: { workflowId: string; outcome?: string } }>).find((r) => r.drill === drill);
    expect(row?.last).toMatchObject({ workflowId, outcome: 'passed' });
  });
});
