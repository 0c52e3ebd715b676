import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { abortRun, startDrill, waitForPhase } from '../client/drills.js';
import { ZONE_LABEL } from '../devstack/nodes.js';
import type { DrillSpec } from '../drills/schema/index.js';
import type { DrillResult } from '../report/result.js';
import { startSimulator } from '../simulator/server.js';
import { sleep } from '../activities/kube/retry.js';
import { trackDrill } from './cleanup.js';
import { benchSpec, httpProbe } from './spec.js';
import { compareWithTruth, type Transition } from './rto-truth.js';
import type { drillWorkflowType } from '../workflows/contract.js';
import {
  cordonedCount, deleteNamespace, ensureNamespace, READY_DELAY_ANNOTATION, restartAll, setNodeLabel, upsertAll, zoneNodes,
  type Progress,
} from './kube.js';

// Benchmarks 2 (restore and abort latency), 3 (history size) and 5 (measurement accuracy):
// the real drillWorkflow on the benchmark stack's Temporal, run by a separate `firedrill worker` process.

export interface DrillCtx {
  client: Client;
  taskQueue: string;
  kc: k8s.KubeConfig;
  progress: Progress;
}

let seq = 0;
/** A drill started exactly as `firedrill run --approve` starts it, under a unique id per run. */
export async function startBenchDrill(ctx: DrillCtx, spec: DrillSpec, sha256: string): Promise<WorkflowHandle<typeof drillWorkflowType>> {
  return trackDrill(await startDrill(ctx.client, { taskQueue: ctx.taskQueue }, spec, sha256, { approvedBy: 'bench', workflowId: `${spec.metadata.name}-${Date.now()}-${seq++}` }));
}

/** A local HTTP server that always answers 200: the trivial probe target. */
export async function always200(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  // Keep-alive connections of the worker's probes would hold close() open.
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}


// ---------------------------------------------------------------- 2: abort → restored

export interface AbortBenchResult {
  nodes: number;
  cordonedBeforeAbort: number;
  signalToUncordonedMs: number;
  signalToRestoreEndedMs: number;
  signalToResultMs: number;
  outcome: string;
}

export async function benchAbort(ctx: DrillCtx, probeUrl: string): Promise<AbortBenchResult> {
  const nodes = new Set(await zoneNodes(ctx.kc, 'zone-a'));
  const { spec, sha256 } = benchSpec({
    name: 'bench-abort', target: '{ type: zone, zone: zone-a }', fault: '{ mode: cordon, concurrency: 50 }',
    timing: '{ hold: 30m, maxDuration: 40m }', probes: [httpProbe('ok', probeUrl)],
  });
  const handle = await startBenchDrill(ctx, spec, sha256);
  ctx.progress(`abort: drill ${handle.workflowId} started, cordoning ${nodes.size} nodes`);
  await waitForPhase(handle, 'hold', 120_000);
  const before = await cordonedCount(ctx.kc, nodes);
  ctx.progress(`  holding with ${before}/${nodes.size} nodes cordoned; sending abort`);
  await sleep(2000);
  const t = Date.now();
  await abortRun(ctx.client, handle.workflowId, 'bench', 'benchmark: abort latency');
  let uncordonedAt = 0;
  const resultP = (handle.result() as Promise<DrillResult>).then((r) => ({ r, at: Date.now() }));
  while (!uncordonedAt) {
    if ((await cordonedCount(ctx.kc, nodes)) === 0) uncordonedAt = Date.now();
    else await sleep(50);
  }
  const { r, at } = await resultP;
  const ended = r.restore?.endedAt ? Date.parse(r.restore.endedAt) : NaN;
  const out = {
    nodes: nodes.size,
    cordonedBeforeAbort: before,
    signalToUncordonedMs: uncordonedAt - t,
    signalToRestoreEndedMs: ended - t,
    signalToResultMs: at - t,
    outcome: r.outcome,
  };
  ctx.progress(`  abort → all uncordoned ${out.signalToUncordonedMs} ms, → restore.endedAt ${out.signalToRestoreEndedMs} ms`);
  return out;
}

// ---------------------------------------------------------------- 3: history size

export interface HistoryRun {
  holdSeconds: number;
  probes: number;
  probeIntervalMs: number;
  events: number;
  historyJsonBytes: number;
  historyProtoBytes: number | null;
  resultJsonBytes: number;
  eventTypes: Record<string, number>;
  observations: number;
  outcome: string;
  outcomeReason: string;
}

/** A history's protobuf size in bytes, as the server stores it; null when the codec is unavailable. */
export async function protoSize(history: unknown): Promise<number | null> {
  try {
    const mod = (await import('@temporalio/proto')) as unknown as { default?: ProtoRoot } & ProtoRoot;
    const root = mod.temporal ? mod : mod.default;
    return root?.temporal.api.history.v1.History.encode(history as object).finish().length ?? null;
  } catch {
    return null;
  }
}
interface ProtoRoot { temporal: { api: { history: { v1: { History: { encode(h: object): { finish(): Uint8Array } } } } } } }

export async function benchHistory(ctx: DrillCtx, probeUrl: string, holdsSeconds: number[]): Promise<HistoryRun[]> {
  // stableFor 0: with ten probes started together and stableFor equal to a whole number of
  // intervals, the baseline can stop on "steady" while the verdict finds one probe 1-2 ms short
  // of stableFor and refuses the drill (see BENCHMARKS.md). History size does not depend on it.
  const probes = Array.from({ length: 10 }, (_, i) => httpProbe(`p${i}`, `${probeUrl}p${i}`, '1s', '0s'));
  // Cordon of one labelled node per run (runs in parallel must not hold the same node): the
  // fault does not matter for history size, the probes do.
  const nodes = (await zoneNodes(ctx.kc, 'zone-c')).slice(0, holdsSeconds.length);
  await Promise.all(nodes.map((n, i) => setNodeLabel(ctx.kc, n, 'firedrill.dev/bench-history', String(i))));
  try {
    const runs = await Promise.all(holdsSeconds.map(async (hold, i): Promise<HistoryRun> => {
      const { spec, sha256 } = benchSpec({
        name: `bench-history-${hold}s`, target: `{ type: nodes, selector: "firedrill.dev/bench-history=${i}" }`, fault: '{ mode: cordon }',
        timing: `{ hold: ${hold}s, maxDuration: ${hold + 600}s }`, probes,
      });
      const handle = await startBenchDrill(ctx, spec, sha256);
      ctx.progress(`history: drill ${handle.workflowId} (10 probes at 1 s, hold ${hold} s)`);
      const result = (await handle.result()) as DrillResult;
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const types: Record<string, number> = {};
      for (const e of events) {
        const name = String(e.eventType ?? '?').replace(/^EVENT_TYPE_/, '');
        types[name] = (types[name] ?? 0) + 1;
      }
      const observations = result.probes.reduce((n, p) => n + p.segments.reduce((m, s) => m + (s.count ?? 0), 0), 0);
      return {
        holdSeconds: hold,
        probes: 10,
        probeIntervalMs: 1000,
        events: events.length,
        historyJsonBytes: Buffer.byteLength(JSON.stringify(history)),
        historyProtoBytes: await protoSize(history),
        resultJsonBytes: Buffer.byteLength(JSON.stringify(result)),
        eventTypes: types,
        observations,
        outcome: result.outcome,
        outcomeReason: result.outcomeReason,
      };
    }));
    for (const r of runs) ctx.progress(`  hold ${r.holdSeconds} s: ${r.events} events, history ${r.historyProtoBytes ?? '?'} B protobuf / ${r.historyJsonBytes} B JSON, result ${r.resultJsonBytes} B`);
    return runs;
  } finally {
    await Promise.all(nodes.map((n) => setNodeLabel(ctx.kc, n, 'firedrill.dev/bench-history', null)));
  }
}

// ---------------------------------------------------------------- 5: measurement accuracy

export const RTO_NS = 'bench-rto';
const SLOT_LABEL = 'firedrill.dev/bench-rto-slot';

export interface AccuracyRun {
  slot: number;
  measuredRtoMs: number | null;
  /** From the drill's first change to the simulator's "up" (its endpoints polled every simulatorPollMs). */
  trueRtoMs: number | null;
  /** firedrill's recovery instant minus the true one. */
  errorMs: number | null;
  errorIntervals: number | null;
  /** firedrill's first failed observation minus the true "down". */
  detectionErrorMs: number | null;
  /** The midpoint estimate's error (see rto-truth.ts): the sampling bias taken out. */
  midpointErrorMs: number | null;
  outcome: string;
  note?: string;
}

export interface AccuracyResult {
  runs: AccuracyRun[];
  probeIntervalMs: number;
  simulatorPollMs: number;
  readyDelay: string;
  meanAbsErrorIntervals: number | null;
  worstAbsErrorIntervals: number | null;
  meanErrorMs: number | null;
  /** The same for the first failed observation against the true "down", and for the midpoint estimate. */
  meanAbsDetectionErrorIntervals: number | null;
  meanAbsMidpointErrorIntervals: number | null;
  failedRuns: number;
  /** Slots whose pod could not be put back on their node (their runs went to the other slots). */
  lostSlots: string[];
}

function rtoObjects(slots: number): k8s.KubernetesObject[] {
  const out: k8s.KubernetesObject[] = [];
  for (let i = 0; i < slots; i++) {
    const app = `rto-${i}`;
    out.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: RTO_NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app } },
        // Recreate: one pod at a time, so a restart never leaves two ready endpoints.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: { app }, annotations: { [READY_DELAY_ANNOTATION]: '3s' } },
          spec: {
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, preference: { matchExpressions: [{ key: SLOT_LABEL, operator: 'In', values: [String(i)] }] } },
                  // After its node goes, the pod must not land on another slot's node (that slot's drill would hit it).
                  { weight: 60, preference: { matchExpressions: [{ key: SLOT_LABEL, operator: 'DoesNotExist' }] } },
                  { weight: 10, preference: { matchExpressions: [{ key: ZONE_LABEL, operator: 'In', values: ['zone-a'] }] } },
                ],
              },
            },
            containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          },
        },
      },
    } as k8s.V1Deployment);
    out.push({
      apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: RTO_NS },
      spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
    } as k8s.V1Service);
  }
  return out;
}

/** The slot's single pod: ready and on its slot node. */
async function slotReady(kc: k8s.KubeConfig, slot: number, node: string): Promise<boolean> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods = (await core.listNamespacedPod({ namespace: RTO_NS, labelSelector: `app=rto-${slot}` })).items;
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  return pods.length === 1 && live.length === 1 && live[0]?.spec?.nodeName === node
    && (live[0]?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

async function placeSlot(kc: k8s.KubeConfig, slot: number, node: string, restart: boolean): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (restart || attempt > 0) await restartAll(kc, RTO_NS, [`rto-${slot}`]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await slotReady(kc, slot, node)) return;
      await sleep(250);
    }
  }
  throw new Error(`rto-${slot} could not be placed on ${node}`);
}

export async function benchAccuracy(ctx: DrillCtx, runs: number, slots: number, simPort: number): Promise<AccuracyResult> {
  const kc = ctx.kc;
  const intervalMs = 500;
  const pollMs = 50;
  await deleteNamespace(kc, RTO_NS);
  await ensureNamespace(kc, RTO_NS);
  const zoneA = await zoneNodes(kc, 'zone-a');
  const slotNodes = zoneA.slice(0, slots);
  await Promise.all(slotNodes.map((n, i) => setNodeLabel(kc, n, SLOT_LABEL, String(i))));
  const sim = await startSimulator({ kc, port: simPort, namespaces: [RTO_NS], pollMs });
  const results: AccuracyRun[] = [];
  const lostSlots: string[] = [];
  try {
    await upsertAll(kc, rtoObjects(slots));
    await Promise.all(slotNodes.map((n, i) => placeSlot(kc, i, n, false)));
    ctx.progress(`accuracy: ${runs} runs over ${slots} parallel slots (one node each), simulator ${sim.url}`);
    let next = 0;
    await Promise.all(slotNodes.map(async (node, slot) => {
      let first = true;
      while (next < runs) {
        if (!first) {
          // The scheduler scores only a sample of 300 nodes, so a preferred node can be missed
          // repeatedly: that slot stops and the others take its runs.
          try {
            await placeSlot(kc, slot, node, true);
          } catch (err) {
            lostSlots.push(`slot ${slot}: ${(err as Error).message}`);
            ctx.progress(`  slot ${slot} given up: ${(err as Error).message}`);
            return;
          }
        }
        if (next >= runs) return;
        next++;
        first = false;
        // Let the simulator see the service up for a while before the drill's baseline.
        await sleep(1000);
        const { spec, sha256 } = benchSpec({
          name: `bench-rto-${slot}`, target: `{ type: nodes, selector: "${SLOT_LABEL}=${slot}" }`, fault: '{ mode: drain, evictionTimeout: 20s }',
          timing: '{ hold: 8s, maxDuration: 5m }', probes: [httpProbe('svc', `${sim.url}/svc/${RTO_NS}/rto-${slot}/`, '500ms')],
        });
        const handle = await startBenchDrill(ctx, spec, sha256);
        const r = (await handle.result()) as DrillResult;
        const truthRes = await fetch(`${sim.url}/truth/${RTO_NS}/rto-${slot}`);
        const truth = (await truthRes.json()) as { transitions: Transition[] };
        const c = compareWithTruth(r, truth.transitions);
        const err = c.errorMs;
        const run: AccuracyRun = {
          slot, measuredRtoMs: c.measuredRtoMs, trueRtoMs: c.trueRtoMs, errorMs: err,
          errorIntervals: err === null ? null : Math.round((err / intervalMs) * 100) / 100,
          detectionErrorMs: c.detectionErrorMs, midpointErrorMs: c.midpointErrorMs,
          outcome: r.outcome,
          ...(err === null ? { note: `measured ${c.measuredRtoMs}, truth ${c.trueRtoMs}, first change ${r.measurements.injectStartedAt ?? r.measurements.t0}, ${r.outcomeReason}` } : {}),
        };
        results.push(run);
        ctx.progress(`  run ${results.length}/${runs} (slot ${slot}): measured ${c.measuredRtoMs} ms, truth ${c.trueRtoMs} ms, error ${err} ms (detection ${c.detectionErrorMs} ms, midpoint ${c.midpointErrorMs} ms)`);
      }
    }));
  } finally {
    await sim.close();
    await Promise.all(slotNodes.map((n) => setNodeLabel(kc, n, SLOT_LABEL, null).catch(() => undefined)));
  }
  const errs = results.map((r) => r.errorMs).filter((e): e is number => e !== null);
  const abs = errs.map(Math.abs);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const meanAbs = (xs: Array<number | null>) => {
    const v = xs.filter((e): e is number => e !== null).map(Math.abs);
    return v.length ? r2(v.reduce((a, b) => a + b, 0) / v.length / intervalMs) : null;
  };
  return {
    runs: results,
    probeIntervalMs: intervalMs,
    simulatorPollMs: pollMs,
    readyDelay: '3s',
    meanAbsErrorIntervals: abs.length ? r2(abs.reduce((s, x) => s + x, 0) / abs.length / intervalMs) : null,
    worstAbsErrorIntervals: abs.length ? r2(Math.max(...abs) / intervalMs) : null,
    meanErrorMs: errs.length ? Math.round(errs.reduce((s, x) => s + x, 0) / errs.length) : null,
    meanAbsDetectionErrorIntervals: meanAbs(results.map((r) => r.detectionErrorMs)),
    meanAbsMidpointErrorIntervals: meanAbs(results.map((r) => r.midpointErrorMs)),
    // Runs never started (every slot lost) count as unmeasured.
    failedRuns: runs - errs.length,
    lostSlots,
  };
}
