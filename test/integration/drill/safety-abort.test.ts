import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RUN_LABEL, TAINT_KEY } from '../../../activities/faults/marks.js';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import { abortSignal } from '../../../workflows/contract.js';
import { drillSpec, httpProbe, startTestSimulator, startWorker, type TestWorker } from '../../support/drill.js';
import { pathOf, startStackProxy, type RequestRecord, type StackProxy } from '../../support/fault-proxy.js';
import { createNamespace, deleteNamespace, eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { createTestNodes, type TestNodes } from '../../support/safety.js';

// An operator's abort during injection stops it within one batch: the cordon/taint loop checks
// for the cancellation before every node, so after the abort reaches the worker at most
// fault.concurrency calls already under way still land, and restore undoes exactly what was
// done. 100 nodes of this file's own (kwok plays them; no zone, no dev-node label, so no other
// test touches them); the worker reaches the API through a proxy that records every call and
// gives node calls 100 ms of latency, so the injection takes seconds, not milliseconds.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CONCURRENCY = 5;

describe('abort during injection', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const id = uniqueName('safe-abort');
  let nodes: TestNodes;
  let sim: Simulator;
  let px: StackProxy;
  let w: TestWorker;

  beforeAll(async () => {
    await createNamespace(kc, id);
    nodes = await createTestNodes(kc, { id, prefix: id, count: 100 });
    sim = await startTestSimulator(kc, id);
    px = await startStackProxy(stack);
    w = await startWorker({ ...stack, kubeconfig: px.kubeconfig });
  });

  afterAll(async () => {
    await w?.stop();
    await px?.close();
    await sim?.close();
    await nodes?.remove();
    await deleteNamespace(kc, id);
  });

  const mine = (r: Pick<RequestRecord, 'url'>) => nodes.names.some((n) => pathOf(r).endsWith(`/nodes/${n}`));

  it('abort 200 ms into a 100-node power-loss: fewer nodes changed, every one restored, at most one batch sent after the abort reached the worker, no eviction', async () => {
    const spec = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector },
      fault: { mode: 'power-loss', concurrency: CONCURRENCY },
      timing: { hold: '1m', maxDuration: '5m' },
      safety: { maxFraction: 1 },
      probes: [httpProbe('sim', `${sim.url}/healthz`)],
    });
    px.proxy.setPlan({ rate: 0, latencyMs: [100, 100], rules: [{ match: (r) => mine(r), fault: 'latency' }] });
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    const firstPatch = await eventually('the first node patch', async () => px.proxy.requests.find((r) => r.method === 'PATCH' && mine(r)), 120_000, 10);
    await sleep(Math.max(0, firstPatch.at + 200 - Date.now()));
    const abortAt = Date.now();
    await handle.signal(abortSignal, { identity: 'oncall@example.com', reason: 'stop the power loss' });
    const r = (await handle.result()) as DrillResult;
    px.proxy.setPlan(null);

    expect(r.outcome, r.outcomeReason).toBe('aborted');
    const changed = (r.injection?.nodes ?? []).filter((n) => n.actions.length > 0).map((n) => n.name);
    // Stopped part way: some nodes changed, far from all of them.
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(nodes.names.length);
    expect(r.injection?.stopped).toBe(true);
    // The worker journals when the cancellation reached the injection.
    const stopLine = r.journal.find((e) => /^injection stopped at /.test(e.message))?.message ?? '';
    const stoppedAt = Date.parse(/^injection stopped at (\S+),/.exec(stopLine)?.[1] ?? '');
    expect(stopLine).toMatch(new RegExp(`: ${changed.length} node\\(s\\) changed`));
    expect(stoppedAt).toBeGreaterThanOrEqual(abortAt);
    // After the cancellation reached the activity only calls already under way went out: one batch.
    const patchesAfter = px.proxy.requests.filter((q) => q.method === 'PATCH' && mine(q) && q.at > stoppedAt && q.at < Date.parse(r.restore?.startedAt ?? ''));
    expect(patchesAfter.length, JSON.stringify({ stopLine, patchesAfter })).toBeLessThanOrEqual(CONCURRENCY);
    expect(px.proxy.requests.filter((q) => q.method === 'POST' && pathOf(q).endsWith('/eviction'))).toEqual([]);

    // Every changed node restored, and none of the others touched.
    expect(r.restore?.nodes.filter((n) => !n.restored)).toEqual([]);
    expect(r.restore?.nodes.map((n) => n.name).sort()).toEqual([...changed].sort());
    const now = await core.listNode({ labelSelector: nodes.key });
    const left = now.items.filter((n) => n.spec?.unschedulable || n.metadata?.labels?.[RUN_LABEL] || n.spec?.taints?.some((t) => t.key === TAINT_KEY));
    expect(left.map((n) => n.metadata?.name)).toEqual([]);
    const marked = now.items.filter((n) => Object.keys(n.metadata?.annotations ?? {}).some((k) => k.startsWith('firedrill.dev/')));
    expect(marked.map((n) => n.metadata?.name)).toEqual([]);
    expect(runId).toBeTruthy();
    console.info(`[safety-abort] changed ${changed.length}/${nodes.names.length} nodes; abort reached the worker ${stoppedAt - abortAt} ms after it was sent; ${patchesAfter.length} patch(es) after it`);
  });
});
