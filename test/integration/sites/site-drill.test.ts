import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followDrill, openRunsOf, startDrill, terminateRun, waitForPhase } from '../../../client/drills.js';
import { SITE_DRILL } from '../../../devstack/site-demo.js';
import { loadDrillFile } from '../../../drills/load.js';
import { formatProblem } from '../../../drills/positions.js';
import type { DrillSpec } from '../../../drills/schema/index.js';
import type { DrillResult } from '../../../report/result.js';
import { janitorWorkflowType, type JanitorReport } from '../../../workflows/contract.js';
import { uniqueName } from '../../support/kube.js';
import { LATE_MS } from '../../support/lateness.js';
import { markedRuns, nodeChanges, settledNodeChanges, snapshotNodes, type NodeState } from '../../support/node-checks.js';
import { startWorker, type TestWorker } from '../../support/workers.js';
import { startTwoSites, truth, type FrontTruth, type StoreTruth, type TwoSites } from './two-sites.js';

// The Pangyo drill as it happened, end to end on two real clusters: power-loss of all of
// site-a, traffic through the global front, the store replicated to site-b, capacity counted in
// site-b. Measured against the simulator's ground truth; site-a restored, site-b never touched.

let env: TwoSites;
let worker: TestWorker;
let spec: DrillSpec;
let sha256: string;

const ms = (iso: string) => Date.parse(iso);

/**
 * Waits until the storefront is served from site-a again, steadily (five answers in a row, a
 * second apart): after a power cut of site-a the front fails back only once site-a's pods are
 * ready and its health checks pass, and a drill started before that has no steady baseline.
 */
async function servedFromSiteA(sim: { url: string }, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let inARow = 0;
  while (inARow < 5) {
    if (Date.now() > deadline) throw new Error('the storefront was not served steadily from site-a');
    const res = await fetch(`${sim.url}/front/demo/storefront/`).catch(() => undefined);
    const body = res?.ok ? await res.text() : '';
    inARow = body.includes('via site-a/') ? inARow + 1 : 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function runDrill(w: TestWorker, s: DrillSpec): Promise<DrillResult> {
  const handle = await startDrill(w.client, w.target, s, sha256, { approvedBy: 'site-tests' });
  return followDrill(handle, () => undefined);
}

beforeAll(async () => {
  env = await startTwoSites();
  const loaded = await loadDrillFile(SITE_DRILL, { env: { ...process.env, FIREDRILL_SIMULATOR_URL: env.sim.url } });
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  // The real drill file; reports in JSON only, to spare the busy machine a PDF.
  spec = { ...loaded.spec, report: { ...loaded.spec.report, formats: ['json'] } };
  sha256 = loaded.sha256;
  worker = await startWorker(env.stack);
  // The two-site stack outlives a test run: a run an interrupted earlier run left open would make
  // every start here "already running". Such a run has no worker; end it (the janitor test below
  // shows what puts its nodes back).
  const alone = { ...spec, metadata: { ...spec.metadata, name: 'site-a-alone' }, target: { type: 'cluster' as const, context: 'site-a' } };
  for (const s of [spec, alone]) {
    for (const id of await openRunsOf(worker.client, s)) {
      await terminateRun(worker.client, id, 'left open by an interrupted test run');
    }
  }
}, 900_000);

afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

describe('whole-site safety', () => {
  it('refuses the drill when the worker runs on a node of the drilled site, and changes nothing', async () => {
    const before = await snapshotNodes(env.sites.a);
    const inside = await startWorker(env.stack, { env: { FIREDRILL_NODE_NAME: 'kwok-zone-a-000' } });
    try {
      const result = await runDrill(inside, spec);
      expect(result.outcome).toBe('refused');
      expect(result.outcomeReason).toMatch(/firedrill worker runs on node kwok-zone-a-000, inside the target/);
      expect(result.injection).toBeNull();
      expect(result.run.cluster?.orchestrator).toMatchObject({ workerNode: 'kwok-zone-a-000', workerInTarget: true });
    } finally {
      await inside.stop();
    }
    expect(await nodeChanges(env.sites.a, before)).toEqual([]);
  }, 300_000);
});

describe('the Pangyo site-loss drill on two clusters', () => {
  let result: DrillResult;
  let beforeA: Map<string, NodeState>;
  let beforeB: Map<string, NodeState>;
  let front: FrontTruth;
  let store: StoreTruth;

  beforeAll(async () => {
    beforeA = await snapshotNodes(env.sites.a);
    beforeB = await snapshotNodes(env.sites.b);
    result = await runDrill(worker, spec);
    front = await truth<FrontTruth>(env.sim, '/front-truth/demo/storefront');
    store = await truth<StoreTruth>(env.sim, '/geo-truth/demo/orders');
  }, 600_000);

  it('takes every node of site-a, records the standby and where the worker ran', () => {
    expect(result.journal.filter((j) => j.kind === 'error')).toEqual([]);
    expect(result.injection?.nodes.map((n) => n.name).sort()).toEqual([...beforeA.keys()].sort());
    expect(result.run.cluster).toMatchObject({
      context: 'site-a', standby: { context: 'site-b' }, orchestrator: { host: os.hostname(), workerInTarget: null },
    });
    expect(result.run.cluster?.orchestrator?.workerNode).toBeUndefined();
  });

  it('fails traffic over within the front\'s failover time ± one probe interval of the ground truth', () => {
    const interval = spec.probes.find((p) => p.name === 'storefront')!.interval;
    const from = ms(result.measurements.injectStartedAt!);
    const lostAt = front.sites['site-a']!.find((t) => !t.up && ms(t.at) >= from);
    const moved = front.switches.find((s) => s.to === 'site-b' && ms(s.at) >= from);
    expect(lostAt).toBeDefined();
    expect(moved).toBeDefined();
    const failover = ms(moved!.at) - ms(lostAt!.at);
    expect(Math.abs(failover - front.failoverMs)).toBeLessThanOrEqual(interval);
    // The drill measured it: its RTO is the time to that switch, up to one probe interval later
    // (the first check after it), plus LATE_MS of room; never earlier, bar the latency of a check
    // sent just before the switch.
    const rto = result.measurements.probes.find((p) => p.probe === 'storefront')!.rtoMs!;
    const lag = rto - (ms(moved!.at) - from);
    const seen = JSON.stringify({ rto, moved: moved!.at, from: result.measurements.injectStartedAt });
    expect(lag, seen).toBeGreaterThanOrEqual(-250);
    expect(lag, seen).toBeLessThanOrEqual(interval + LATE_MS);
    expect(result.objectives.find((o) => o.type === 'rto' && o.probe === 'storefront')?.status).toBe('met');
  });

  it('loses the writes site-a acknowledged but had not replicated: RPO is the lag ± one interval', () => {
    const interval = spec.probes.find((p) => p.name === 'orders-rpo')!.interval;
    const failover = store.promotions.find((p) => p.kind === 'failover' && p.from === 'site-a');
    expect(failover).toBeDefined();
    const rpo = result.measurements.rpo.find((r) => r.probe === 'orders-rpo')!;
    expect(rpo.missing).toBe(failover!.lost);
    expect(rpo.missing).toBeGreaterThan(0);
    expect(Math.abs(rpo.rpoMs! - store.lagMs)).toBeLessThanOrEqual(interval);
    // The simulator's unreplicated window, measured the way the probe measures: span + one interval.
    const window = ms(failover!.lostTo!) - ms(failover!.lostFrom!) + interval;
    expect(Math.abs(rpo.rpoMs! - window)).toBeLessThanOrEqual(interval);
  });

  it('counts capacity in site-b: recovered where there is a counterpart, not for what exists in site-a only', () => {
    const workloads = result.measurements.capacity?.workloads ?? [];
    const by = (name: string) => workloads.find((w) => w.name === name);
    expect(by('storefront')?.recovered).toBe(true);
    expect(by('orders')?.recovered).toBe(true);
    expect(by('ops-console')?.recovered).toBe(false);
    expect(by('prometheus')?.recovered).toBe(false);
    expect(result.plan?.standby?.noCounterpart.map((w) => `${w.namespace}/${w.name}`)).toEqual(['demo/ops-console', 'monitoring/prometheus']);
    expect(result.objectives.find((o) => o.type === 'rto' && o.probe === 'ops-console')?.status).toBe('missed');
  });

  it('restores every node of site-a and fails traffic back to site-a', async () => {
    expect(result.restore?.nodes.every((n) => n.restored)).toBe(true);
    expect(result.restore?.nodes).toHaveLength(beforeA.size);
    expect(await nodeChanges(env.sites.a, beforeA, { mine: [result.run.runId] })).toEqual([]);
    const back = front.switches.find((s) => s.from === 'site-b' && s.to === 'site-a' && ms(s.at) >= ms(result.restore!.endedAt) - 1000);
    expect(back).toBeDefined();
    expect(result.measurements.probes.find((p) => p.probe === 'traffic-on-site-a')?.failbackMs).not.toBeNull();
    expect(store.primary).toBe('site-a');
  });

  it('never touches site-b', async () => {
    const nodes = await env.sites.b.makeApiClient(k8s.CoreV1Api).listNode();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual([...beforeB.keys()].sort());
    expect(await nodeChanges(env.sites.b, beforeB, { strict: beforeB.keys() })).toEqual([]);
  });
});

describe('a terminated site drill', () => {
  it('is put back by the janitor in site-a\'s context, and the janitor finds nothing of it in site-b', async () => {
    const beforeA = await snapshotNodes(env.sites.a);
    const beforeB = await snapshotNodes(env.sites.b);
    const handle = await startDrill(worker.client, worker.target, spec, sha256, { approvedBy: 'site-tests' });
    await waitForPhase(handle, 'hold', 180_000);
    // Termination skips the drill's own restore: only the janitor can put site-a back.
    await terminateRun(worker.client, handle.workflowId, 'site test: the drill\'s own restore must not run');
    expect((await markedRuns(env.sites.a)).get(handle.firstExecutionRunId)?.length).toBe(beforeA.size);
    const janitor = async (context: string) => (await worker.client.workflow.execute(janitorWorkflowType, {
      taskQueue: worker.taskQueue, workflowId: uniqueName(`janitor-${context}`), args: [{ context }],
    })) as JanitorReport;
    const inB = await janitor('site-b');
    expect(inB.restored).toEqual([]);
    const inA = await janitor('site-a');
    expect(inA.restored.flatMap((r) => r.nodes).sort()).toEqual([...beforeA.keys()].sort());
    expect(await settledNodeChanges(env.sites.a, beforeA, { mine: [handle.firstExecutionRunId] })).toEqual([]);
    expect(await nodeChanges(env.sites.b, beforeB, { strict: beforeB.keys() })).toEqual([]);
  }, 400_000);
});

// Last in the file: its power cut without a standby leaves site-a's services to come back on their
// own after restore, which the drills above must not start from.
describe('a whole-cluster drill without a standby', () => {
  it('counts capacity as ready again in the drilled cluster after restore, and lists no workload as not failed over', async () => {
    await servedFromSiteA(env.sim);
    const before = await snapshotNodes(env.sites.a);
    const alone: DrillSpec = {
      ...spec,
      metadata: { ...spec.metadata, name: 'site-a-alone' },
      target: { type: 'cluster', context: 'site-a' },
      timing: { hold: 15_000, maxDuration: 600_000 },
      probes: spec.probes.filter((p) => p.name === 'storefront'),
      objectives: [{ type: 'capacity', target: 120_000 }],
    };
    const r = await runDrill(worker, alone);
    expect(r.journal.filter((j) => j.kind === 'error')).toEqual([]);
    expect(r.run.cluster?.standby).toBeUndefined();
    const cap = r.measurements.capacity;
    expect(cap?.basis).toBe('after-restore');
    expect(cap?.workloads.length).toBeGreaterThan(0);
    // Every watched workload came back in site-a, each measured from the end of restore.
    expect(cap?.workloads.filter((w) => !w.recovered)).toEqual([]);
    expect(cap?.workloads.every((w) => (w.readyOutsideAfter ?? 0) >= w.desired)).toBe(true);
    expect(r.objectives.find((o) => o.type === 'capacity')).toMatchObject({ status: 'met' });
    expect(r.notFailedOver.filter((n) => n.kind !== 'probe')).toEqual([]);
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(await nodeChanges(env.sites.a, before, { mine: [r.run.runId] })).toEqual([]);
  }, 600_000);
});
