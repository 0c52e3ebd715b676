import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import { pendingOf } from '../../../client/follow.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import {
  activityAttempts, claimNodes, connectClient, deleteNamespaceAndWait, deployWeb, drillSpec, httpProbe, killProcess, markedRuns, nodeChanges,
  snapshotNodes, spawnWorkerProcess, startTestSimulator, temporalTargetFor, waitForPhase, workerLog,
  type ClaimedNodes, type NodeState,
} from '../../support/drill.js';
import { createNamespace, eventually, kubeFor, uniqueName } from '../../support/kube.js';

// A drill survives its worker being SIGKILLed, once while injecting and once while holding: a
// new worker process on the same task queue resumes the same run from its heartbeats, the run
// completes and every node is restored. A pod behind a PodDisruptionBudget that allows no
// disruption keeps the drain (and so the inject phase) going for the eviction timeout.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a drill whose worker is killed', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('drill-crash');
  const taskQueue = uniqueName('drill-crash');
  const runs = new Set<string>();
  const children: ChildProcess[] = [];
  let nodes: ClaimedNodes;
  let sim: Simulator;
  let client: Client;
  let closeClient: () => Promise<void>;
  let reportDir: string;
  let pristine: Map<string, NodeState>;

  const spawnWorker = async () => {
    const child = await spawnWorkerProcess(stack, taskQueue, { reportDir });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    pristine = await snapshotNodes(kc);
    reportDir = await mkdtemp(path.join(tmpdir(), 'firedrill-crash-'));
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-c', 'zone-b'] });
    sim = await startTestSimulator(kc, ns);
    ({ client, close: closeClient } = await connectClient(stack));
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

  it('is resumed by a new worker process after SIGKILL during inject and during hold; it completes and restores every node', async () => {
    await deployWeb(kc, ns, 'web', nodes, { servedBy: sim });
    // Pinned to the target behind a PDB that allows no disruption: its eviction is refused
    // until the eviction timeout, so inject lasts long enough to be interrupted.
    await deployWeb(kc, ns, 'blocker', nodes, { pinned: true });
    await kc.makeApiClient(k8s.PolicyV1Api).createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: { metadata: { name: 'blocker' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'blocker' } } } },
    });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector },
      fault: { mode: 'drain', evictionTimeout: '15s' },
      timing: { hold: '75s', maxDuration: '5m' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '45s' }],
    });

    const first = await spawnWorker();
    const handle = await startDrill(client, temporalTargetFor(stack, taskQueue), spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);

    await waitForPhase(handle, 'inject');
    // Past the first round of evictions, while the PDB still blocks: the server holds a heartbeat
    // carrying T0. A fixed sleep could kill the worker before that on a loaded machine.
    await eventually('the inject heartbeat carrying T0', async () => ((await pendingOf(client, handle)).inject as { t0?: number } | undefined)?.t0, 15_000);
    expect((await markedRuns(kc)).get(handle.firstExecutionRunId)).toEqual([...nodes.names].sort());
    const killedInInject = Date.now();
    await killProcess(first, 'SIGKILL');
    const second = await spawnWorker();

    await waitForPhase(handle, 'hold', 120_000);
    await sleep(2_000);
    await killProcess(second, 'SIGKILL');
    await spawnWorker();

    const r = (await handle.result()) as DrillResult;
    const context = `outcome ${r.outcome}: ${r.outcomeReason}\n${workerLog(children.at(-1) as ChildProcess)}`;
    // The probes were not watching while no worker ran (at least the 10 s heartbeat timeout),
    // longer than stableFor + 2 intervals: an outage could have come and gone unseen, so the RTO
    // cannot be judged met. Everything else about the run is whole.
    expect(r.outcome, context).toBe('inconclusive');
    expect(r.outcomeReason).toMatch(/no observation for \d+ s, longer than stableFor \+ 2 intervals/);
    expect(r.measurements.probes[0]?.coverage?.gaps.length).toBeGreaterThanOrEqual(1);

    // Both long activities really were cut off and retried on a later worker: inject once, and
    // the hold's observation (running from inject on) twice.
    const attempts = await activityAttempts(handle);
    expect(Math.max(...attempts.filter((a) => a.type === 'injectFault').map((a) => a.attempt))).toBeGreaterThanOrEqual(2);
    expect(Math.max(...attempts.filter((a) => a.type === 'observe').map((a) => a.attempt))).toBeGreaterThanOrEqual(3);
    // T0 was recorded by the first worker and survived the retry of inject.
    expect(Date.parse(r.measurements.t0 ?? '')).toBeLessThan(killedInInject);
    expect(r.injection?.notEvicted).toEqual([expect.objectContaining({ namespace: ns, reason: expect.stringMatching(/PodDisruptionBudget/) })]);
    expect(r.measurements.probes[0]?.recovered).toBe(true);

    expect(r.restore?.nodes.map((n) => n.name).sort()).toEqual([...nodes.names].sort());
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    expect((await markedRuns(kc)).get(handle.firstExecutionRunId)).toBeUndefined();
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
  }, 300_000);
});
