import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import { stackPorts } from '../../../devstack/ports.js';
import { runningPid } from '../../../devstack/procs.js';
import { ensureTemporalServer } from '../../../devstack/provision.js';
import { startTemporalServer, TEMPORAL_SERVER } from '../../../devstack/temporal-server.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import {
  activityAttempts, claimNodes, connectClient, deleteNamespaceAndWait, deployWeb, drillSpec, httpProbe, killProcess, markedRuns, nodeChanges,
  snapshotNodes, spawnWorkerProcess, startTestSimulator, temporalTargetFor, waitForPhase, workerLog, type ClaimedNodes, type NodeState,
} from '../../support/drill.js';
import { createNamespace, kubeFor, uniqueName } from '../../support/kube.js';

// The two crashes of the dev-server suite, on the real server with mTLS: the worker SIGKILLed
// mid-hold (a new worker process resumes the run), and the Temporal server SIGKILLed mid-hold and
// started again on the same PostgreSQL database (the same worker carries on). Workers are
// `firedrill worker` processes connected with the stack's client certificate.

const stack = inject('serverStack');
const serverState = inject('serverState');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drills on the real Temporal server that survive a crash', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('srv-crash');
  const runs = new Set<string>();
  const children: ChildProcess[] = [];
  let nodes: ClaimedNodes;
  let sim: Simulator;
  let client: Client;
  let closeClient: () => Promise<void>;
  let reportDir: string;
  let pristine: Map<string, NodeState>;

  const spawnWorker = async (taskQueue: string) => {
    const child = await spawnWorkerProcess(stack, taskQueue, { reportDir });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    pristine = await snapshotNodes(kc);
    reportDir = await mkdtemp(path.join(tmpdir(), 'firedrill-srv-crash-'));
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-c', 'zone-b'] });
    sim = await startTestSimulator(kc, ns);
    ({ client, close: closeClient } = await connectClient(stack));
    await deployWeb(kc, ns, 'web', nodes, { replicas: 2, servedBy: sim });
  });

  afterAll(async () => {
    for (const c of children) await killProcess(c, 'SIGKILL');
    await closeClient?.();
    await sim?.close();
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
    expect(await nodeChanges(kc, pristine, { mine: runs })).toEqual([]);
  });

  // A killed worker leaves the probes unobserved until the activity's heartbeat timeout (10 s)
  // hands observe to the new worker: stableFor 20 s makes such a gap tolerable (stableFor + 2
  // intervals), so the verdict stays conclusive and the test can ask for `passed`.
  const spec = () => drillSpec({
    target: { type: 'nodes', selector: nodes.selector },
    timing: { hold: '45s', maxDuration: '4m' },
    probes: [httpProbe('web', `${sim.url}/svc/${ns}/web/`, { tolerance: { stableFor: '20s' } })],
    objectives: [{ type: 'rto', probe: 'web', target: '45s' }],
  });

  /** The result, waiting out a client connection that is still coming back to a restarted server. */
  async function result(handle: Awaited<ReturnType<typeof startDrill>>): Promise<DrillResult> {
    const deadline = Date.now() + 150_000;
    for (;;) {
      try {
        return (await handle.result()) as DrillResult;
      } catch (err) {
        if (Date.now() > deadline || (err as Error).name === 'WorkflowFailedError') throw err;
        await sleep(1_000);
      }
    }
  }

  it('a worker SIGKILLed mid-hold: a new worker process resumes the run, it completes and restores every node', async () => {
    const taskQueue = uniqueName('srv-crash');
    const before = await snapshotNodes(kc);
    const s = await spec();
    const first = await spawnWorker(taskQueue);
    const handle = await startDrill(client, temporalTargetFor(stack, taskQueue), s.spec, s.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    await waitForPhase(handle, 'hold', 120_000);
    await sleep(2_000);
    await killProcess(first, 'SIGKILL');
    const second = await spawnWorker(taskQueue);

    const r = await result(handle);
    expect(r.outcome, `${r.outcomeReason}\n${workerLog(second)}`).toBe('passed');
    const attempts = await activityAttempts(handle);
    expect(Math.max(...attempts.filter((a) => a.type === 'observe').map((a) => a.attempt))).toBeGreaterThanOrEqual(2);
    // The report shows the time nobody watched.
    expect(r.measurements.probes[0]?.coverage?.longestGapMs).toBeGreaterThan(5_000);
    expect(r.restore?.nodes).toEqual([...nodes.names].sort().map((name) => ({ name, restored: true })));
    expect((await markedRuns(kc)).get(handle.firstExecutionRunId)).toBeUndefined();
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
  });

  it('the Temporal server SIGKILLed mid-hold and started again on the same database: the same worker resumes the run', async () => {
    const taskQueue = uniqueName('srv-restart');
    const before = await snapshotNodes(kc);
    const s = await spec();
    const worker = await spawnWorker(taskQueue);
    const handle = await startDrill(client, temporalTargetFor(stack, taskQueue), s.spec, s.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    runs.add(runId);
    await waitForPhase(handle, 'hold', 120_000);
    await sleep(2_000);

    const firstPid = await runningPid(serverState.stateDir, TEMPORAL_SERVER);
    expect(firstPid).toBeDefined();
    process.kill(firstPid as number, 'SIGKILL');
    for (let i = 0; i < 200 && existsSync(`/proc/${firstPid}`); i++) await sleep(50);
    // Down for a while: the worker's polls and heartbeats fail meanwhile; the fault stays in place.
    await sleep(5_000);
    expect((await markedRuns(kc)).get(runId)).toEqual([...nodes.names].sort());
    const tool = await ensureTemporalServer(() => undefined);
    await startTemporalServer(serverState.stateDir, stackPorts({ FIREDRILL_DEV_PORT_BASE: serverState.portBase }), tool.server, () => undefined);
    expect(await runningPid(serverState.stateDir, TEMPORAL_SERVER)).not.toBe(firstPid);

    const r = await result(handle);
    const context = `outcome ${r.outcome}: ${r.outcomeReason}\n${workerLog(worker)}`;
    expect(r.outcome, context).toBe('passed');
    expect(r.run.runId).toBe(runId);
    expect(worker.exitCode, context).toBeNull();
    expect(worker.signalCode, context).toBeNull();
    expect(r.restore?.nodes).toEqual([...nodes.names].sort().map((name) => ({ name, restored: true })));
    expect((await markedRuns(kc)).get(runId)).toBeUndefined();
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
  });
});
