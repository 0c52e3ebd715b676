import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import { approveSignal, statusQuery } from '../../../workflows/contract.js';
import {
  claimNodes, deleteNamespaceAndWait, deleteWeb, deployWeb, drillSpec, httpProbe, nodeChanges, snapshotNodes, startTestSimulator,
  startWorker, waitForPhase, type ClaimedNodes, type NodeState, type TestWorker,
} from '../../support/drill.js';
import { pathOf, startStackProxy, type RequestInfo, type StackProxy } from '../../support/fault-proxy.js';
import { createNamespace, kubeFor, uniqueName } from '../../support/kube.js';
import type { Simulator } from '../../../simulator/server.js';
import { startOkServer } from '../schedule/support.js';

// Verdicts on the real stack: an outage while a drain is still injecting is impact, counted from
// the first change; a drill approved long after it started still runs its whole hold; the
// probeFailingLongerThan guardrail ends a hold. Two zone-b/c nodes this file claims for itself.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('verdicts on the real stack', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('drill-verdict');
  const runs = new Set<string>();
  let nodes: ClaimedNodes;
  let sim: Simulator;
  let px: StackProxy;
  let w: TestWorker;
  let slowWorker: TestWorker;
  let ok: Awaited<ReturnType<typeof startOkServer>>;
  let pristine: Map<string, NodeState>;

  // The eviction of the slow pod answers late, so the drain's first round (T0) ends long after
  // the web pod is gone and back: its outage falls inside the injection.
  const isSlowEviction = (r: RequestInfo) => r.method === 'POST' && /\/pods\/zz-slow[^/]*\/eviction$/.test(pathOf(r));

  beforeAll(async () => {
    pristine = await snapshotNodes(kc);
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-b', 'zone-c'] });
    sim = await startTestSimulator(kc, ns);
    ok = await startOkServer();
    px = await startStackProxy(stack, { plan: { rate: 0, latencyMs: [8000, 8000], rules: [{ match: isSlowEviction, fault: 'latency' }] } });
    w = await startWorker(stack);
    slowWorker = await startWorker({ ...stack, kubeconfig: px.kubeconfig });
  });

  afterAll(async () => {
    await slowWorker?.stop();
    await w?.stop();
    await px?.close();
    await ok?.close();
    await sim?.close();
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
    const ours = (line: string) => (nodes?.names ?? []).includes(line.split(':')[0] ?? '') || / still (marked|has)/.test(line);
    expect((await nodeChanges(kc, pristine, { mine: runs })).filter(ours)).toEqual([]);
  });

  const target = () => ({ type: 'nodes', selector: nodes.selector });

  it('a drain whose service fails and recovers before T0 reports the impact, detected and counted from the first change', async () => {
    await deployWeb(kc, ns, 'web', nodes, { replicas: 1, readyDelay: '1s', servedBy: sim });
    await deployWeb(kc, ns, 'zz-slow', nodes, { replicas: 1 });
    const spec = await drillSpec({
      target: target(),
      timing: { hold: '8s', maxDuration: '2m' },
      probes: [httpProbe('web', `${sim.url}/svc/${ns}/web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    const handle = await startDrill(slowWorker.client, slowWorker.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    const r = (await handle.result()) as DrillResult;
    const seen = JSON.stringify({ injection: r.injection, m: r.measurements.probes, probes: r.probes });

    expect(r.outcome, r.outcomeReason).toBe('passed');
    const started = Date.parse(r.injection?.injectStartedAt ?? '');
    const t0 = Date.parse(r.injection?.t0 ?? '');
    // The slow eviction held T0 back by its latency.
    expect(t0 - started, seen).toBeGreaterThan(6000);
    const m = r.measurements.probes[0];
    expect(m?.impact, seen).toBe(true);
    const detected = Date.parse(m?.detectedAt ?? '');
    expect(detected, seen).toBeGreaterThanOrEqual(started);
    expect(detected, seen).toBeLessThan(t0);
    // Recovered before T0 too: RTO counts from the first change, so it is shorter than T0 − start.
    expect(m?.rtoMs, seen).toBeGreaterThan(500);
    expect(started + (m?.rtoMs ?? 0), seen).toBeLessThan(t0);
    expect(r.measurements.injectStartedAt).toBe(r.injection?.injectStartedAt);
    expect(r.measurements.drainCompletedAt).toBe(r.injection?.drainCompletedAt);
    expect(m?.coverage?.gaps, seen).toEqual([]);
    expect(r.objectives.find((o) => o.type === 'rto')).toMatchObject({ status: 'met', measured: m?.rtoMs });
    await deleteWeb(kc, ns, 'web');
    await deleteWeb(kc, ns, 'zz-slow');
  });

  it('a drill approved after maxDuration has passed still runs its whole hold, observed, and passes', async () => {
    ok.setStatus(200);
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      fault: { mode: 'cordon' },
      timing: { hold: '8s', maxDuration: '10s' },
      approval: { required: true, timeout: '5m' },
      probes: [httpProbe('ok', ok.url)],
      objectives: [{ type: 'rto', probe: 'ok', target: '30s' }],
    });
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256);
    runs.add(handle.firstExecutionRunId);
    await waitForPhase(handle, 'approval');
    // Longer than maxDuration: a budget counted from the start would have nothing left.
    await sleep(12_000);
    await handle.signal(approveSignal, { identity: 'late-approver@example.com' });
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome, r.outcomeReason).toBe('passed');
    const t0 = Date.parse(r.injection?.t0 ?? '');
    expect(Date.parse(r.restore?.startedAt ?? '') - t0).toBeGreaterThanOrEqual(8000);
    const m = r.measurements.probes[0];
    expect(m?.coverage?.observations).toBeGreaterThanOrEqual(14);
    expect(m?.coverage?.fraction).toBeGreaterThan(0.9);
    expect(m?.coverage?.gaps).toEqual([]);
    expect(r.journal.filter((e) => e.kind === 'guardrail')).toEqual([]);
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    expect((await nodeChanges(kc, before, { mine: runs })).filter((l) => nodes.names.includes(l.split(':')[0] ?? ''))).toEqual([]);
  });

  it('probeFailingLongerThan ends the hold when a probe keeps failing, and the drill is aborted and restored', async () => {
    ok.setStatus(200);
    const spec = await drillSpec({
      target: target(),
      fault: { mode: 'cordon' },
      timing: { hold: '2m', maxDuration: '3m' },
      guardrails: { probeFailingLongerThan: '2s' },
      probes: [httpProbe('ok', ok.url)],
      objectives: [{ type: 'rto', probe: 'ok', target: '30s' }],
    });
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    await waitForPhase(handle, 'hold');
    ok.setStatus(503);
    const failingFrom = Date.now();
    // The service comes back once restore has begun, so failback sees it steady again.
    for (let phase = ''; !['restore', 'failback', 'report', 'done'].includes(phase); await sleep(100)) {
      phase = (await handle.query(statusQuery)).phase;
    }
    ok.setStatus(200);
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome).toBe('aborted');
    expect(r.outcomeReason).toBe('guardrail: probe ok failing for more than 2 s');
    expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'guardrail', message: 'probe ok failing for more than 2 s' }));
    const restoreAt = Date.parse(r.restore?.startedAt ?? '');
    // Ended within seconds of the 2 s limit, not at the end of the 2 min hold.
    expect(restoreAt - failingFrom).toBeGreaterThanOrEqual(2000);
    expect(restoreAt - failingFrom).toBeLessThan(15_000);
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    expect(r.objectives.find((o) => o.type === 'failback')).toMatchObject({ status: 'met' });
  });
});
