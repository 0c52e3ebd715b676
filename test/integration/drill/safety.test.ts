import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RUN_LABEL, TAINT_KEY } from '../../../activities/faults/marks.js';
import { startDrill } from '../../../client/drills.js';
import { exitCodeFor } from '../../../client/outcomes.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import { type JanitorReport, abortSignal, janitorWorkflowType } from '../../../workflows/contract.js';
import {
  claimNodes, deleteNamespaceAndWait, deleteWeb, deployWeb, drillSpec, httpProbe, markedRuns, nodeChanges, snapshotNodes, startTestSimulator,
  startWorker, waitForPhase, type ClaimedNodes, type NodeState, type TestWorker,
} from '../../support/drill.js';
import { createNamespace, kubeFor, uniqueName } from '../../support/kube.js';

// The safety contract of a drill on the real stack: an operator's abort restores at once, what
// was cordoned before stays cordoned, nothing outside the target is touched, a refused drill
// changes nothing, and a terminated run is cleaned up by the janitor. Three zone-c/b nodes are
// claimed (labelled and tainted) by this file for its drills.

const stack = inject('stack');
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('drill safety', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = uniqueName('drill-safe');
  const runs = new Set<string>();
  let nodes: ClaimedNodes;
  let sim: Simulator;
  let w: TestWorker;
  let pristine: Map<string, NodeState>;
  const cordonedByTest = new Set<string>();

  const cordon = async (name: string, on: boolean) => {
    await core.patchNode({ name, body: { spec: { unschedulable: on ? true : null } } }, MERGE);
    if (on) cordonedByTest.add(name);
    else cordonedByTest.delete(name);
  };

  beforeAll(async () => {
    pristine = await snapshotNodes(kc);
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 3, zones: ['zone-c', 'zone-b'] });
    sim = await startTestSimulator(kc, ns);
    w = await startWorker(stack);
  });

  afterAll(async () => {
    await w?.stop();
    await sim?.close();
    for (const name of [...cordonedByTest]) await cordon(name, false);
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
    expect(await nodeChanges(kc, pristine, { mine: runs })).toEqual([]);
  });

  const target = () => ({ type: 'nodes', selector: nodes.selector });

  async function start(spec: Awaited<ReturnType<typeof drillSpec>>, opts: { approve?: boolean } = {}) {
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, opts.approve === false ? {} : { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    return handle;
  }

  it('an operator abort during the hold ends the drill and restores within seconds, recording who and why', async () => {
    await deployWeb(kc, ns, 'abort-web', nodes, { servedBy: sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      timing: { hold: '2m', maxDuration: '5m' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/abort-web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    const handle = await start(spec);
    await waitForPhase(handle, 'hold');
    // A few seconds into the hold: the fault is in place and the probes are running.
    await new Promise((r) => setTimeout(r, 3_000));
    expect([...(await markedRuns(kc)).get(handle.firstExecutionRunId) ?? []]).toEqual([...nodes.names].sort());
    const abortAt = Date.now();
    await handle.signal(abortSignal, { identity: 'oncall@example.com', reason: 'payments latency alarm' });
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome).toBe('aborted');
    expect(exitCodeFor(r)).toBe(2);
    expect(r.outcomeReason).toContain('oncall@example.com');
    expect(r.outcomeReason).toContain('payments latency alarm');
    expect(r.journal).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'operator', identity: 'oncall@example.com', message: expect.stringContaining('payments latency alarm') }),
    ]));
    const restoreEnd = Date.parse(r.restore?.endedAt ?? '');
    expect(restoreEnd - abortAt).toBeLessThan(10_000);
    expect(restoreEnd - abortAt).toBeGreaterThan(0);
    expect(r.restore?.nodes.map((n) => n.name).sort()).toEqual([...nodes.names].sort());
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    // The hold's timeline up to the abort is kept: the drill still measured what it saw.
    expect(r.measurements.t0).not.toBeNull();
    expect(r.probes[0]?.segments.length).toBeGreaterThan(0);
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
    await deleteWeb(kc, ns, 'abort-web');
  });

  it('an abort during a drain blocked by a PodDisruptionBudget stops the drain and restores within seconds', async () => {
    await deployWeb(kc, ns, 'stuck-web', nodes, { pinned: true, servedBy: sim });
    await kc.makeApiClient(k8s.PolicyV1Api).createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: { metadata: { name: 'stuck-web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'stuck-web' } } } },
    });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      // Without the abort, inject would keep retrying the blocked eviction for two minutes.
      fault: { mode: 'drain', evictionTimeout: '2m' },
      timing: { hold: '3m', maxDuration: '6m' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/stuck-web/`)],
    });
    const handle = await start(spec);
    await waitForPhase(handle, 'inject');
    await new Promise((r) => setTimeout(r, 3_000));
    const abortAt = Date.now();
    await handle.signal(abortSignal, { identity: 'oncall@example.com', reason: 'stop the drain' });
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome).toBe('aborted');
    expect(Date.parse(r.restore?.endedAt ?? '') - abortAt).toBeLessThan(10_000);
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    // The pod the PDB protected was never evicted, and the drill says so.
    expect(r.injection?.notEvicted).toEqual([expect.objectContaining({ namespace: ns, reason: expect.stringMatching(/drill was stopped/) })]);
    expect(r.injection?.notEvicted[0]?.pod).toMatch(/^stuck-web-/);
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
    await kc.makeApiClient(k8s.PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name: 'stuck-web', namespace: ns });
    await deleteWeb(kc, ns, 'stuck-web');
  });

  it('a node cordoned before the drill stays cordoned; nodes outside the target are never touched', async () => {
    const [held, ...rest] = nodes.names as [string, ...string[]];
    await cordon(held, true);
    await deployWeb(kc, ns, 'keep-web', { ...nodes, names: rest }, { servedBy: sim });
    const before = await snapshotNodes(kc);
    const outside = [...before.keys()].filter((n) => !nodes.names.includes(n));
    const spec = await drillSpec({
      target: target(),
      fault: { mode: 'power-loss' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/keep-web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    const r = (await (await start(spec)).result()) as DrillResult;

    expect(r.outcome, r.outcomeReason).toBe('passed');
    const inj = new Map(r.injection?.nodes.map((n) => [n.name, n]));
    // Power loss still reaches the cordoned node (taint), but its cordon is not the drill's.
    expect(inj.get(held)).toMatchObject({ wasCordoned: true, actions: ['taint'], restored: true });
    for (const n of rest) expect(inj.get(n)).toMatchObject({ wasCordoned: false, actions: ['cordon', 'taint'], restored: true });
    expect(r.restore?.nodes.find((n) => n.name === held)?.note).toMatch(/left cordoned/);

    const node = await core.readNode({ name: held });
    expect(node.spec?.unschedulable).toBe(true);
    expect(node.spec?.taints?.some((t) => t.key === TAINT_KEY)).toBe(false);
    expect(node.metadata?.labels?.[RUN_LABEL]).toBeUndefined();
    // Everything as before: the held node cordoned, the others schedulable again, and every node
    // outside the target identical in spec, labels and annotations.
    expect(await nodeChanges(kc, before, { mine: runs, strict: outside })).toEqual([]);
    await cordon(held, false);
    await deleteWeb(kc, ns, 'keep-web');
  });

  it('a baseline that fails from the start refuses the drill: nothing is injected', async () => {
    // A Service with no endpoints: the simulator answers 503 for it from the first probe on.
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'nobody' }, spec: { selector: { app: 'nobody' }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/nobody/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    const r = (await (await start(spec)).result()) as DrillResult;

    expect(r.outcome).toBe('refused');
    expect(r.outcomeReason).toMatch(/baseline not steady, nothing injected/);
    expect(exitCodeFor(r)).toBe(2);
    expect(r.injection).toBeNull();
    expect(r.restore).toBeNull();
    expect(r.measurements.t0).toBeNull();
    expect(r.phases.map((p) => p.phase)).not.toContain('inject');
    const line = r.probes.find((p) => p.name === 'web');
    expect(line?.segments.length).toBeGreaterThan(0);
    expect(line?.segments.every((s) => !s.healthy && s.error === 'HTTP 503')).toBe(true);
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
  });

  it('an approval that times out refuses the drill: nothing is injected', async () => {
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      approval: { required: true, timeout: '3s' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/nobody/`)],
    });
    const r = (await (await start(spec, { approve: false })).result()) as DrillResult;

    expect(r.outcome).toBe('refused');
    expect(r.outcomeReason).toMatch(/approval timed out/);
    expect(r.approval.required).toBe(true);
    expect(r.approval.approvedBy).toBeUndefined();
    expect(r.injection).toBeNull();
    expect(r.phases.map((p) => p.phase)).toContain('approval');
    expect(r.phases.map((p) => p.phase)).not.toContain('baseline');
    const approval = r.phases.find((p) => p.phase === 'approval');
    const waited = Date.parse(approval?.endedAt ?? '') - Date.parse(approval?.startedAt ?? '');
    expect(waited).toBeGreaterThanOrEqual(3_000);
    expect(waited).toBeLessThan(8_000);
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
  });

  it('a run terminated mid-hold leaves its marks; the janitor restores exactly what it changed', async () => {
    const [held, ...rest] = nodes.names as [string, ...string[]];
    await cordon(held, true);
    await deployWeb(kc, ns, 'term-web', { ...nodes, names: rest }, { servedBy: sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      timing: { hold: '2m', maxDuration: '5m' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/term-web/`)],
    });
    const handle = await start(spec);
    await waitForPhase(handle, 'hold');
    await handle.terminate('integration test: a run lost without its finally');
    await expect(handle.result()).rejects.toThrow();

    // No restore ran: the drill's nodes are still cordoned and marked with its run id. The node
    // that was cordoned before carries no mark (the drill did not change it).
    const runId = handle.firstExecutionRunId;
    expect((await markedRuns(kc)).get(runId)).toEqual([...rest].sort());
    for (const name of rest) expect((await core.readNode({ name })).spec?.unschedulable).toBe(true);

    const report = (await w.client.workflow.execute(janitorWorkflowType, {
      taskQueue: w.taskQueue, workflowId: uniqueName('janitor-it'), args: [{}],
    })) as JanitorReport;
    expect(report.dryRun).toBe(false);
    const entry = report.restored.find((x) => x.runId === runId);
    expect(entry?.workflowId).toBe(handle.workflowId);
    expect([...entry?.nodes ?? []].sort()).toEqual([...rest].sort());
    expect(report.leftToOpenRuns.map((x) => x.runId)).not.toContain(runId);

    expect((await markedRuns(kc)).get(runId)).toBeUndefined();
    // Every node as before the drill, including the one cordoned beforehand (still cordoned).
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
    expect((await core.readNode({ name: held })).spec?.unschedulable).toBe(true);
    await cordon(held, false);
    await deleteWeb(kc, ns, 'term-web');
  });
});
