import type { ChildProcess } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readMark, RESTORE_GRACE_MS } from '../../../activities/faults/marks.js';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import { janitorWorkflowType, type JanitorReport } from '../../../workflows/contract.js';
import {
  connectClient, drillSpec, httpProbe, killProcess, spawnWorkerProcess, startTestSimulator, startWorker, temporalTargetFor, waitForPhase,
  workerLog, type TestWorker,
} from '../../support/drill.js';
import { createNamespace, deleteNamespace, kubeFor, uniqueName } from '../../support/kube.js';
import { clusterUid, createTestNodes, nodesMarkedBy, rewriteMark, type TestNodes } from '../../support/safety.js';

// The dead-man switch. A drill whose workflow cannot reach its `finally` (here: its only worker
// is SIGKILLed mid-hold and none comes back) keeps its nodes changed only until the marks'
// restore-by deadline: then any janitor restores them, whoever owns them and although the run is
// still open, and tells the run, which journals it when it runs again. Before the deadline a
// janitor of another task queue leaves them alone. The deadline is first change + maxDuration +
// RESTORE_GRACE_MS; the test moves it into the past (with a valid digest) instead of waiting.

const stack = inject('stack');

describe('the restore-by deadline', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const id = uniqueName('safe-dead');
  const queueA = uniqueName('drill-it-a');
  let nodes: TestNodes;
  let sim: Simulator;
  let workerA: ChildProcess | undefined;
  let janitorWorker: TestWorker;
  let temporal: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    await createNamespace(kc, id);
    nodes = await createTestNodes(kc, { id, prefix: id, count: 2 });
    sim = await startTestSimulator(kc, id);
    temporal = await connectClient(stack);
    janitorWorker = await startWorker(stack);
  });

  afterAll(async () => {
    if (workerA) await killProcess(workerA);
    await janitorWorker?.stop();
    await temporal?.close();
    await sim?.close();
    await nodes?.remove();
    await deleteNamespace(kc, id);
  });

  const janitor = (args: object = {}) => janitorWorker.client.workflow.execute(janitorWorkflowType, {
    taskQueue: janitorWorker.taskQueue, workflowId: uniqueName('janitor-it'), args: [args],
  }) as Promise<JanitorReport>;

  it('a stuck run: marks carry owner and deadline; past it another task queue\'s janitor restores them and the run journals it', async () => {
    const spec = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector },
      fault: { mode: 'cordon' },
      timing: { hold: '10m', maxDuration: '15m' },
      safety: { maxFraction: 1 },
      probes: [httpProbe('sim', `${sim.url}/healthz`)],
    });
    workerA = await spawnWorkerProcess(stack, queueA);
    const handle = await startDrill(temporal.client, temporalTargetFor(stack, queueA), spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    const status = await waitForPhase(handle, 'hold');
    expect(status.t0).not.toBeNull();

    // Every mark names its owner and a deadline of first change + maxDuration + grace.
    const uid = await clusterUid(kc);
    for (const name of nodes.names) {
      const m = readMark(await core.readNode({ name }));
      expect(m?.problems, name).toEqual([]);
      expect(m?.owner).toEqual({ namespace: stack.temporalNamespace, taskQueue: queueA, cluster: uid });
      const expected = Date.parse(m?.markedAt ?? '') + 15 * 60_000 + RESTORE_GRACE_MS;
      expect(Date.parse(m?.restoreBy ?? '')).toBe(expected);
      expect(Math.abs(Date.parse(m?.markedAt ?? '') - Date.parse(status.t0 ?? ''))).toBeLessThan(30_000);
    }

    // The run's only worker dies: the workflow stays Running and cannot reach its restore.
    await killProcess(workerA);
    workerA = undefined;
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Before the deadline: not this janitor's marks (another task queue), left alone and listed.
    const early = await janitor();
    expect(early.restored.map((x) => x.runId)).not.toContain(runId);
    expect(early.otherOwners?.find((x) => x.runId === runId)).toMatchObject({ owner: { taskQueue: queueA }, nodes: [...nodes.names].sort() });
    expect(await nodesMarkedBy(kc, runId)).toEqual([...nodes.names].sort());

    // Past the deadline: restored although the run is still open, and the run is told.
    const past = new Date(Date.now() - 1000).toISOString();
    for (const name of nodes.names) await rewriteMark(kc, name, (m) => ({ ...m, restoreBy: past }));
    const dry = await janitor({ dryRun: true });
    expect(dry.restored.find((x) => x.runId === runId)).toMatchObject({ why: 'deadline' });
    expect(await nodesMarkedBy(kc, runId)).toEqual([...nodes.names].sort());
    const report = await janitor();
    expect(report.restored.find((x) => x.runId === runId)).toMatchObject({ why: 'deadline', signalled: true, nodes: [...nodes.names].sort() });
    expect(await nodesMarkedBy(kc, runId)).toEqual([]);
    for (const name of nodes.names) expect((await core.readNode({ name })).spec?.unschedulable, name).toBeFalsy();
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // A worker for the run's task queue again: the run stops at once and says why.
    workerA = await spawnWorkerProcess(stack, queueA);
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, `${r.outcomeReason}\n${workerLog(workerA)}`).toBe('aborted');
    expect(r.outcomeReason).toMatch(/restore-by deadline .* passed/);
    expect(r.journal).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'guardrail', message: expect.stringMatching(/restore-by deadline .* passed: the janitor .* restored 2 node\(s\)/) }),
    ]));
    // Its own restore finds the nodes as the janitor left them and says who restored them.
    expect(r.restore?.nodes.map((n) => [n.name, n.restored, n.note])).toEqual([...nodes.names].sort().map((n) => [n, true, 'restored by the janitor at the restore-by deadline']));
    for (const name of nodes.names) expect((await core.readNode({ name })).spec?.unschedulable, name).toBeFalsy();
  });
});
