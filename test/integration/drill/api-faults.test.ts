import { describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import { statusQuery } from '../../../workflows/contract.js';
import { useDrillBed } from '../../support/drill-bed.js';
import {
  deleteWeb, deployWeb, drillSpec, httpProbe, markedRuns, nodeChanges, snapshotNodes, startWorker, waitForPhase, type NodeState,
} from '../../support/drill.js';
import { pathOf, queryParam, startStackProxy, type FaultPlan, type RequestInfo, type StackProxy } from '../../support/fault-proxy.js';
import { readyPodZones } from '../../support/kube.js';

// The safety invariant under API faults: the worker reaches the apiserver only through a
// fault-injecting proxy. With throttling, 5xx, dropped connections, lost answers and latency
// the drill still completes, counts each pod once and restores every node; with the API
// unreachable just as restore begins, restore waits it out and says how long it was blocked.
// The test's own checks talk to the apiserver directly. A drill starts only once the simulator
// serves its service: a Ready pod reaches the simulator through the EndpointSlice controller and
// the simulator's next poll, up to a second later on a loaded machine, and a baseline that sees
// that gap is (rightly) not steady.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SEED = 20221015;

const isNode = (r: RequestInfo) => /^\/api\/v1\/nodes\/[^/]+$/.test(pathOf(r));
const isEviction = (r: RequestInfo) => r.method === 'POST' && pathOf(r).endsWith('/eviction');
const isNodeList = (r: RequestInfo) => r.method === 'GET' && pathOf(r) === '/api/v1/nodes' && queryParam(r, 'watch') !== 'true';
/**
 * Restore's first call, told by the order of requests alone: inject lists the nodes and then
 * patches them; the first list of the nodes after a node was patched is restore's.
 */
function restoreBegins(): (r: RequestInfo) => boolean {
  let patched = false;
  return (r) => {
    if (r.method === 'PATCH' && isNode(r)) patched = true;
    return patched && isNodeList(r);
  };
}

describe('a drill whose API server is unreliable', () => {
  let px: StackProxy;
  // Other test files drill and claim other nodes at the same time: judge the nodes of this file.
  // A change on a claimed node, or a mark of this file's runs left on any node.
  const ours = (line: string) => bed.nodes.names.includes(line.split(':')[0] ?? '') || / still (marked|has)/.test(line);
  const bed = useDrillBed(stack, {
    prefix: 'drill-apif',
    worker: async (s) => {
      px = await startStackProxy(s, { seed: SEED });
      return startWorker({ ...s, kubeconfig: px.kubeconfig });
    },
    // Lift any fault plan first: the worker's stop and the cleanup must reach the API.
    beforeTeardown: async () => { await px?.proxy.up(); },
    afterWorker: async () => { await px?.close(); },
    judge: ours,
  });
  const { kc, ns, runs } = bed;
  const changesOnMine = async (since: Map<string, NodeState>) => (await nodeChanges(kc, since, { mine: runs })).filter(ours);

  const target = () => ({ type: 'nodes', selector: bed.nodes.selector });

  it('throttling, 5xx, resets, lost answers and latency: completes, each pod evicted once, every node restored, retries recorded', async () => {
    const placed = await deployWeb(kc, ns, 'flaky-web', bed.nodes, { replicas: 2, servedBy: bed.sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      probes: [httpProbe('web', `${bed.sim.url}/svc/${ns}/flaky-web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    // The census retries error answers but not dropped connections: until the baseline the
    // faults are answers and latency only.
    px.proxy.setPlan({ rate: 0.25, weights: { throttle: 2, error500: 1, error503: 1, latency: 2 }, latencyMs: [100, 600] }, SEED);
    const handle = await startDrill(bed.w.client, bed.w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    await waitForPhase(handle, 'baseline');

    // From here on every kind of fault, and targeted lost answers: each pod's first eviction and
    // each node's first patch in inject and again in restore reach the apiserver, but their
    // answers are dropped, so the retry meets a pod already going and a node already changed.
    let phase = 'inject';
    const seen = new Set<string>();
    const firstOf = (key: string) => (seen.has(key) ? false : (seen.add(key), true));
    const begins = restoreBegins();
    const plan: FaultPlan = {
      rate: 0.3,
      weights: { throttle: 2, error500: 1, error503: 1, reset: 2, resetAfter: 1, latency: 2 },
      latencyMs: [100, 600],
      rules: [
        { match: (r) => { if (begins(r)) phase = 'restore'; return false; }, fault: 'reset' },
        { match: (r) => isEviction(r) && firstOf(`evict ${pathOf(r)}`), fault: 'resetAfter' },
        { match: (r) => r.method === 'PATCH' && isNode(r) && firstOf(`${phase} ${pathOf(r)}`), fault: 'resetAfter' },
      ],
    };
    px.proxy.setPlan(plan, SEED);
    const r = (await handle.result()) as DrillResult;
    px.proxy.setPlan(null);
    const stats = JSON.stringify(px.proxy.stats);

    expect(r.outcome, `${r.outcomeReason}\n${stats}`).toBe('passed');
    // Every lost answer was delivered: two evictions, two inject patches, two restore patches.
    expect([...seen].sort(), stats).toEqual([
      ...placed.map((p) => `evict /api/v1/namespaces/${ns}/pods/${p.pod}/eviction`).sort(),
      ...[...bed.nodes.names].sort().map((n) => `inject /api/v1/nodes/${n}`),
      ...[...bed.nodes.names].sort().map((n) => `restore /api/v1/nodes/${n}`),
    ].sort());
    // Each pod counted once though its eviction reached the apiserver twice.
    expect(r.injection?.evicted).toBe(2);
    expect(r.injection?.notEvicted).toEqual([]);
    expect(r.injection?.nodes.map((n) => ({ name: n.name, actions: n.actions, wasCordoned: n.wasCordoned, restored: n.restored })).sort((a, b) => a.name.localeCompare(b.name)))
      .toEqual([...bed.nodes.names].sort().map((name) => ({ name, actions: ['cordon'], wasCordoned: false, restored: true })));
    // The retried restore patch met a node it had already restored: that is not "no change".
    expect(r.restore?.nodes).toEqual([...bed.nodes.names].sort().map((name) => ({ name, restored: true })));
    // At least one retry per lost answer; restore's are also counted on their own.
    expect(r.injection?.apiRetries).toBeGreaterThanOrEqual(6);
    expect(r.restore?.apiRetries).toBeGreaterThanOrEqual(2);
    expect(r.restore?.attempts).toBe(1);
    expect(px.proxy.stats.faults.resetAfter).toBeGreaterThanOrEqual(6);

    const after = await readyPodZones(kc, ns, 'flaky-web');
    expect(after).toHaveLength(2);
    for (const p of after) expect(bed.nodes.names).not.toContain(p.node);
    expect(after.map((p) => p.pod)).not.toEqual(expect.arrayContaining([placed[0]?.pod]));
    expect(await changesOnMine(before)).toEqual([]);
    console.info(`[api-faults] flaky API: injection.apiRetries=${r.injection?.apiRetries} restore.apiRetries=${r.restore?.apiRetries} `
      + `blockedMs=${r.restore?.blockedMs} drill=${Date.parse(r.run.endedAt) - Date.parse(r.run.startedAt)} ms proxy=${stats}`);
    await deleteWeb(kc, ns, 'flaky-web');
  });

  it('the API unreachable just as restore begins: restore retries with backoff, completes when it is back, and records how long it was blocked', async () => {
    await deployWeb(kc, ns, 'down-web', bed.nodes, { replicas: 1, servedBy: bed.sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      timing: { hold: '8s' },
      probes: [httpProbe('web', `${bed.sim.url}/svc/${ns}/down-web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    px.proxy.setPlan(null);
    const handle = await startDrill(bed.w.client, bed.w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    runs.add(runId);
    // Restore's first call lists the nodes: the API goes away right there.
    const tripped = await Promise.race([
      px.proxy.downOn(restoreBegins()),
      handle.result().then((x) => { throw new Error(`the drill ended before its restore reached the API: ${(x as DrillResult).outcomeReason}`); }),
    ]);
    const outageMs = 10_000;
    await sleep(outageMs / 2);
    // Half way through the outage: restore is still waiting, and the bed.nodes are still drilled.
    expect((await handle.query(statusQuery)).phase).toBe('restore');
    expect((await markedRuns(kc)).get(runId)).toEqual([...bed.nodes.names].sort());
    await sleep(tripped.at + outageMs - Date.now());
    await px.proxy.up();

    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.restore?.nodes).toEqual([...bed.nodes.names].sort().map((name) => ({ name, restored: true })));
    const blocked = r.restore?.blockedMs ?? 0;
    const restoreMs = Date.parse(r.restore?.endedAt ?? '') - Date.parse(r.restore?.startedAt ?? '');
    const seen = JSON.stringify({ blocked, restoreMs, apiRetries: r.restore?.apiRetries, attempts: r.restore?.attempts });
    // Blocked from the call the outage cut until the first answer after it: the whole outage.
    expect(blocked, seen).toBeGreaterThanOrEqual(outageMs - 1_000);
    expect(blocked, seen).toBeLessThanOrEqual(restoreMs + 1_000);
    // It retried, and with backoff: a handful of calls in ten seconds, not a tight loop.
    expect(r.restore?.apiRetries, seen).toBeGreaterThanOrEqual(3);
    expect(r.restore?.apiRetries, seen).toBeLessThanOrEqual(30);
    expect(r.journal.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^restore was blocked for \d+ s by API errors/)]));
    expect(r.measurements.failback?.recovered).toBe(true);
    expect((await markedRuns(kc)).get(runId)).toBeUndefined();
    expect(await changesOnMine(before)).toEqual([]);
    console.info(`[api-faults] API down during restore: ${seen} drill=${Date.parse(r.run.endedAt) - Date.parse(r.run.startedAt)} ms`);
    await deleteWeb(kc, ns, 'down-web');
  });
});
