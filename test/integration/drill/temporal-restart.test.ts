import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import type { StackPorts } from '../../../devstack/ports.js';
import { runningPid, stopProcess } from '../../../devstack/procs.js';
import { ensureTemporal } from '../../../devstack/provision.js';
import type { StackStatus } from '../../../devstack/stack.js';
import { startTemporal } from '../../../devstack/temporal.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import {
  activityAttempts, claimNodes, connectClient, deleteNamespaceAndWait, deployWeb, drillSpec, freePort, httpProbe, killProcess, markedRuns,
  nodeChanges, snapshotNodes, spawnWorkerProcess, startTestSimulator, temporalTargetFor, waitForPhase, workerLog,
  type ClaimedNodes, type NodeState,
} from '../../support/drill.js';
import { createNamespace, kubeFor, uniqueName } from '../../support/kube.js';

// A drill survives its Temporal server being killed mid-hold and started again on the same
// SQLite file: the same worker process carries on, the run resumes, completes and restores.
// The server is a private dev server on free ports with its own database: the stack's server
// is shared with the other test files and is never touched.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function killHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(50);
}

describe('a drill whose Temporal server restarts', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('drill-trestart');
  const taskQueue = uniqueName('drill-trestart');
  const runs = new Set<string>();
  const children: ChildProcess[] = [];
  const progress = (m: string) => process.stderr.write(`[temporal-restart] ${m}\n`);
  let nodes: ClaimedNodes;
  let sim: Simulator;
  let stateDir: string;
  let ports: StackPorts;
  let temporalBin: string;
  let privateStack: StackStatus;
  let client: Client;
  let closeClient: () => Promise<void>;
  let pristine: Map<string, NodeState>;

  const ours = (line: string) => (nodes?.names ?? []).includes(line.split(':')[0] ?? '') || / still (marked|has)/.test(line);

  beforeAll(async () => {
    pristine = await snapshotNodes(kc);
    stateDir = await mkdtemp(path.join(tmpdir(), 'firedrill-temporal-'));
    const [temporal, temporalUi, temporalHttp, temporalMetrics] = await distinctFreePorts(4) as [number, number, number, number];
    // Only the Temporal ports are used by startTemporal.
    ports = { temporal, temporalUi, temporalHttp, temporalMetrics, etcd: 0, etcdPeer: 0, apiserver: 0, kwok: 0, simulator: 0, siteBApiserver: 0, siteBKwok: 0, tower: 0 };
    temporalBin = await ensureTemporal(progress);
    await startTemporal(stateDir, ports, temporalBin, progress);
    privateStack = { ...stack, temporalAddress: `127.0.0.1:${temporal}`, temporalUiUrl: `http://127.0.0.1:${temporalUi}` };
    ({ client, close: closeClient } = await connectClient(privateStack));
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-c', 'zone-b'] });
    sim = await startTestSimulator(kc, ns);
  });

  afterAll(async () => {
    for (const c of children) await killProcess(c, 'SIGKILL');
    await closeClient?.();
    if (stateDir) {
      await stopProcess(stateDir, 'temporal', 5_000);
      await rm(stateDir, { recursive: true, force: true });
    }
    await sim?.close();
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
    expect((await nodeChanges(kc, pristine, { mine: runs })).filter(ours)).toEqual([]);
  });

  it('killed mid-hold and started again on the same database: the same worker resumes the run, it completes and restores every node', async () => {
    await deployWeb(kc, ns, 'web', nodes, { replicas: 2, servedBy: sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector },
      timing: { hold: '25s', maxDuration: '4m' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    const worker = await spawnWorkerProcess(privateStack, taskQueue, { reportDir: path.join(stateDir, 'reports') });
    children.push(worker);
    const handle = await startDrill(client, temporalTargetFor(privateStack, taskQueue), spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    runs.add(runId);

    await waitForPhase(handle, 'hold', 120_000);
    await sleep(2_000);
    const firstPid = await runningPid(stateDir, 'temporal');
    expect(firstPid).toBeDefined();
    await killHard(firstPid as number);
    const killedAt = Date.now();
    // Down for a while: the worker's polls and heartbeats fail meanwhile; the fault stays in place.
    await sleep(5_000);
    expect((await markedRuns(kc)).get(runId)).toEqual([...nodes.names].sort());
    await startTemporal(stateDir, ports, temporalBin, progress);
    const downMs = Date.now() - killedAt;
    const secondPid = await runningPid(stateDir, 'temporal');
    expect(secondPid).toBeDefined();
    expect(secondPid).not.toBe(firstPid);

    let r: DrillResult | undefined;
    const deadline = Date.now() + 150_000;
    while (!r) {
      try {
        r = (await handle.result()) as DrillResult;
      } catch (err) {
        // The client's connection may still be coming back to the restarted server.
        if (Date.now() > deadline || (err as Error).name === 'WorkflowFailedError') throw err;
        await sleep(1_000);
      }
    }
    const context = `outcome ${r.outcome}: ${r.outcomeReason}\n${workerLog(worker)}`;
    expect(r.outcome, context).toBe('passed');
    // The same run and the same worker process, which never exited.
    expect(r.run.runId).toBe(runId);
    expect(worker.exitCode, context).toBeNull();
    expect(worker.signalCode, context).toBeNull();
    expect(r.measurements.probes[0]?.recovered).toBe(true);
    expect(r.injection?.evicted).toBe(2);
    expect(r.restore?.nodes).toEqual([...nodes.names].sort().map((name) => ({ name, restored: true })));
    expect((await markedRuns(kc)).get(runId)).toBeUndefined();
    expect((await nodeChanges(kc, before, { mine: runs })).filter(ours)).toEqual([]);

    const attempts = await activityAttempts(handle);
    const maxAttempt = (type: string) => Math.max(0, ...attempts.filter((a) => a.type === type).map((a) => a.attempt));
    console.info(`[temporal-restart] server down ${downMs} ms (pid ${firstPid} -> ${secondPid}); attempts: observe ${maxAttempt('observe')}, `
      + `restoreNodes ${maxAttempt('restoreNodes')}; drill ${Date.parse(r.run.endedAt) - Date.parse(r.run.startedAt)} ms; `
      + `hold ${JSON.stringify(r.phases.find((p) => p.phase === 'hold'))}`);
  });
});
