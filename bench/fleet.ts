import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connect } from '../client/connection.js';
import { startDrill } from '../client/drills.js';
import { FIREDRILL_VERSION } from '../client/version.js';
import { cacheRoot, projectRoot } from '../devstack/paths.js';
import { stackPorts } from '../devstack/ports.js';
import { runningPid } from '../devstack/procs.js';
import { loadKubeConfig, stackDown, stackUp } from '../devstack/stack.js';
import type { DrillResult } from '../report/result.js';
import { sleep } from '../activities/kube/retry.js';
import { always200 } from './drills.js';
import { parseSpec } from './spec.js';
import {
  clearPools, drillFigures, fleetDrillYaml, labelPools, latencySummary, scheduleOnce, SCHEDULED_POOL,
  type DrillFigures, type ScheduleFire,
} from './fleet-drills.js';
import { overload, roundFigures, type RoundFigures } from './fleet-figures.js';
import { rowDelta, stackPsql, type Psql } from './fleet-pg.js';
import { machineCpu, processCpu, treeCpu } from './fleet-proc.js';
import type { Progress } from './kube.js';
import { spawnBenchWorker, type BenchWorker } from './worker-process.js';

// Fleet figures on the real Temporal server (PostgreSQL, mTLS): N drills at once on disjoint
// node pools of one cluster, each with five http probes at 1 s, on one worker process, plus a
// drill a Schedule fires mid-round; then the largest N again with a second worker on the same
// task queue. Per round: worker CPU and peak RSS, history size, task latencies, schedule
// lateness, rows written to PostgreSQL.

export type FleetSize = 'quick' | 'full';

export interface FleetParams {
  /** Manual drills per round; each round adds one scheduled drill. */
  drills: number[];
  holdSeconds: number;
  nodesPerZone: number;
  nodesPerPool: number;
  /** When the schedule fires, after the round's drills were started. */
  scheduleAfterSeconds: number;
  /** Run the largest round again with two workers. */
  secondWorker: boolean;
}

export const FLEET_SIZES: Record<FleetSize, FleetParams> = {
  quick: { drills: [1, 5], holdSeconds: 30, nodesPerZone: 52, nodesPerPool: 3, scheduleAfterSeconds: 10, secondWorker: true },
  full: { drills: [1, 10, 25, 40, 50], holdSeconds: 60, nodesPerZone: 52, nodesPerPool: 3, scheduleAfterSeconds: 15, secondWorker: true },
};

/** The fleet's stack: its own port block (below the ephemeral range) and state directory. */
export function fleetStack(env: NodeJS.ProcessEnv = process.env) {
  const base = env.FIREDRILL_FLEET_PORT_BASE ?? '24000';
  return { ports: stackPorts({ ...env, FIREDRILL_DEV_PORT_BASE: base }), stateDir: path.join(cacheRoot(env), `fleet-state-${base}`), portBase: base };
}

export interface WorkerRound {
  pid: number;
  cpuSeconds: number;
  readyRssMb: number;
  peakRssMb: number;
  hwmReset: boolean;
}

export interface FleetRound {
  manualDrills: number;
  /** Manual drills plus the scheduled one: the divisor of the per-drill figures. */
  concurrentDrills: number;
  workers: WorkerRound[];
  wallSeconds: number;
  loadAverage: number[];
  /** Busy cores of the whole machine over the round (of its nproc). */
  machineBusyCores: number;
  temporalServerCpuSeconds: number;
  postgresCpuSeconds: number;
  figures: RoundFigures;
  history: { eventsPerDrill: { min: number; max: number; mean: number }; protoBytesPerDrill: { min: number; max: number; mean: number }; jsonBytesPerDrill: number };
  workflowTaskLatencyMs: ReturnType<typeof latencySummary>;
  activityTaskLatencyMs: ReturnType<typeof latencySummary>;
  probes: { worstCoverage: number | null; longestGapMs: number | null; observationsPerDrill: number };
  outcomes: Record<string, number>;
  schedule: Omit<ScheduleFire, 'drill'> & { drillOutcome: string | null };
  rows: ReturnType<typeof rowDelta> & { seconds: number; idleRowsPerSecond: number };
  overload: string[];
  notPassed: Array<{ workflowId: string; outcome: string; reason: string }>;
}

export interface FleetResults {
  size: FleetSize;
  firedrillVersion: string;
  startedAt: string;
  seconds: number;
  command: string;
  machine: { nproc: number; memoryGiB: number; node: string; cpuModel: string; loadBefore: number[]; loadAfter: number[] };
  temporal: { kind: string; version: string; mtls: boolean };
  params: FleetParams;
  clusterNodes: number;
  idle: { seconds: number; rowsPerSecond: number; workerCpuSecondsPerMinute: number; workerRssMb: number };
  rounds: FleetRound[];
  /** The first one-worker round that showed overload, and what the two-worker round changed. */
  verdict: { oneWorkerEnoughUpTo: number | null; firstOverloadedAt: number | null; reasons: string[] };
}

interface Ctx {
  client: Client;
  kc: k8s.KubeConfig;
  taskQueue: string;
  probeBaseUrl: string;
  psql: Psql;
  stateDir: string;
  params: FleetParams;
  progress: Progress;
  idleRowsPerSecond: number;
  idleRssMb: number;
}

const stats = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs), mean: Math.round(xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length)) });
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

async function serverCpu(stateDir: string): Promise<{ temporal: number; postgres: number }> {
  const [t, p] = await Promise.all([runningPid(stateDir, 'temporal-server'), runningPid(stateDir, 'postgres')]);
  return { temporal: t ? await processCpu(t) : NaN, postgres: p ? await treeCpu(p) : NaN };
}

async function round(ctx: Ctx, n: number, workers: BenchWorker[], open: Set<WorkflowHandle>): Promise<FleetRound> {
  const { client, params, progress } = ctx;
  progress(`fleet: ${n} drill(s) + 1 scheduled on ${workers.length} worker(s) (${workers.map((w) => w.pid).join(', ')}), hold ${params.holdSeconds} s`);
  const loadStart = load();
  const ready = await Promise.all(workers.map((w) => w.memory()));
  const reset = await Promise.all(workers.map((w) => w.resetPeak()));
  const cpu0 = await Promise.all(workers.map((w) => processCpu(w.pid)));
  const srv0 = await serverCpu(ctx.stateDir);
  const m0 = await machineCpu();
  const rows0 = await ctx.psql.counters();
  const rowsT0 = Date.now();
  const t0 = Date.now();
  const stamp = Date.now().toString(36);
  const handles = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const name = `fleet-pool-${i}`;
    const { spec, sha256 } = parseSpec(fleetDrillYaml({ pool: String(i), holdSeconds: params.holdSeconds, probeBaseUrl: ctx.probeBaseUrl }, name), name);
    const h = await startDrill(client, { taskQueue: ctx.taskQueue }, spec, sha256, { approvedBy: 'bench', workflowId: `${name}-${n}x${workers.length}-${stamp}` });
    open.add(h);
    return h;
  }));
  const startedIn = Date.now() - t0;
  const fire = await scheduleOnce(client, ctx.taskQueue, fleetDrillYaml({ pool: SCHEDULED_POOL, holdSeconds: params.holdSeconds, probeBaseUrl: ctx.probeBaseUrl }, 'fleet-scheduled'),
    'fleet-scheduled', Math.max(0, params.scheduleAfterSeconds * 1000 - startedIn));
  progress(`  ${n} drill(s) started in ${startedIn} ms; the schedule fires at ${fire.at.toISOString()}`);
  const results = await Promise.all(handles.map(async (h) => {
    const r = (await h.result()) as DrillResult;
    open.delete(h);
    return { h, r };
  }));
  const sched = await fire.finish(10 * 60_000 + params.holdSeconds * 1000);
  const wallSeconds = (Date.now() - t0) / 1000;
  const cpu1 = await Promise.all(workers.map((w) => processCpu(w.pid)));
  const mem = await Promise.all(workers.map((w) => w.memory()));
  const srv1 = await serverCpu(ctx.stateDir);
  const m1 = await machineCpu();
  const loadEnd = load();
  progress(`  all ended after ${wallSeconds.toFixed(1)} s; waiting for PostgreSQL's statistics to flush`);
  // Server backends flush their counters after a transaction once a second has passed, idle ones after 10 s.
  await sleep(11_000);
  const rows1 = await ctx.psql.counters();
  const rowsSeconds = (Date.now() - rowsT0) / 1000;
  const rows = rowDelta(rows1, rows0);

  const figs: DrillFigures[] = await Promise.all(results.map(({ h, r }) => drillFigures(client, h.workflowId, r)));
  if (sched.drill) figs.push(sched.drill);
  const concurrent = n + 1;
  const workerRounds: WorkerRound[] = workers.map((w, i) => ({
    pid: w.pid, cpuSeconds: Math.round(((cpu1[i] ?? 0) - (cpu0[i] ?? 0)) * 100) / 100, readyRssMb: ready[i]?.rssMb ?? NaN, peakRssMb: mem[i]?.hwmMb ?? NaN, hwmReset: reset[i] ?? false,
  }));
  const figures = roundFigures({
    drills: concurrent, workers: workers.length, wallSeconds,
    cpuSeconds: workerRounds.map((w) => w.cpuSeconds), readyRssMb: workerRounds.map((w) => w.readyRssMb), peakRssMb: workerRounds.map((w) => w.peakRssMb), idleRssMb: ctx.idleRssMb,
    rows: rows.total, rowsSeconds, idleRowsPerSecond: ctx.idleRowsPerSecond,
  });
  const wfLat = latencySummary(figs.flatMap((f) => f.workflowTaskMs));
  const actLat = latencySummary(figs.flatMap((f) => f.activityTaskMs));
  const coverages = figs.map((f) => f.coverage).filter((c): c is number => c !== null);
  const gaps = figs.map((f) => f.longestGapMs).filter((g): g is number => g !== null);
  const outcomes: Record<string, number> = {};
  for (const f of figs) outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
  const passed = outcomes.passed ?? 0;
  const out: FleetRound = {
    manualDrills: n,
    concurrentDrills: concurrent,
    workers: workerRounds,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    loadAverage: [...loadStart, ...loadEnd],
    machineBusyCores: Math.round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * os.cpus().length * 100) / 100,
    temporalServerCpuSeconds: Math.round((srv1.temporal - srv0.temporal) * 100) / 100,
    postgresCpuSeconds: Math.round((srv1.postgres - srv0.postgres) * 100) / 100,
    figures,
    history: {
      eventsPerDrill: stats(figs.map((f) => f.events)),
      protoBytesPerDrill: stats(figs.map((f) => f.historyProtoBytes ?? 0)),
      jsonBytesPerDrill: Math.round(figs.reduce((s, f) => s + f.historyJsonBytes, 0) / Math.max(1, figs.length)),
    },
    workflowTaskLatencyMs: wfLat,
    activityTaskLatencyMs: actLat,
    probes: {
      worstCoverage: coverages.length ? Math.min(...coverages) : null,
      longestGapMs: gaps.length ? Math.max(...gaps) : null,
      observationsPerDrill: Math.round(figs.reduce((s, f) => s + f.observations, 0) / Math.max(1, figs.length)),
    },
    outcomes,
    schedule: {
      scheduleId: sched.scheduleId, scheduledAt: sched.scheduledAt, takenLateMs: sched.takenLateMs,
      workflowStartedLateMs: sched.workflowStartedLateMs, drillStartedLateMs: sched.drillStartedLateMs,
      drillFirstActivityLateMs: sched.drillFirstActivityLateMs, drillOutcome: sched.drill?.outcome ?? null,
    },
    rows: { ...rows, seconds: Math.round(rowsSeconds), idleRowsPerSecond: ctx.idleRowsPerSecond },
    overload: [],
    notPassed: figs.filter((f) => f.outcome !== 'passed').map((f) => ({ workflowId: f.workflowId, outcome: f.outcome, reason: f.outcomeReason })),
  };
  out.overload = overload({
    drills: concurrent, workers: workers.length, passed, worstCoverage: out.probes.worstCoverage, longestGapMs: out.probes.longestGapMs,
    workflowTaskP95Ms: wfLat.p95, activityTaskMaxMs: actLat.max, cpuCores: figures.cpuCores, scheduleLatenessMs: sched.drillFirstActivityLateMs ?? sched.drillStartedLateMs,
  });
  progress(`  ${formatRound(out)}`);
  return out;
}

export function formatRound(r: FleetRound): string {
  const f = r.figures;
  return `${r.manualDrills}+1 drills, ${r.workers.length} worker(s): ${r.wallSeconds} s; worker CPU ${f.cpuSecondsTotal} s (${f.cpuSecondsPerDrill} s/drill, ${f.cpuCores} cores), `
    + `peak RSS ${f.peakRssMb} MB (${f.peakOverIdlePerDrillMb} MB/drill over idle); history ${r.history.eventsPerDrill.mean} events, ${r.history.protoBytesPerDrill.mean} B/drill; `
    + `workflow task start p95 ${r.workflowTaskLatencyMs.p95} ms, activity start max ${r.activityTaskLatencyMs.max} ms; schedule: taken +${r.schedule.takenLateMs} ms, drill started +${r.schedule.drillStartedLateMs} ms, its first activity +${r.schedule.drillFirstActivityLateMs} ms; `
    + `rows ${f.rowsWrittenPerDrill}/drill (${f.rowsWrittenPerDrillNet} net of idle); machine ${r.machineBusyCores} cores busy; outcomes ${JSON.stringify(r.outcomes)}`
    + `${r.overload.length ? `; OVERLOAD: ${r.overload.join('; ')}` : ''}`;
}

/** A second worker on the queue: ready when the server lists a poller of its pid. */
async function waitForPoller(client: Client, namespace: string, taskQueue: string, pid: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const polled = await Promise.all([1, 2].map(async (taskQueueType) => {
      const r = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType });
      return (r.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${pid}@`));
    }));
    if (polled.every(Boolean)) return;
    await sleep(500);
  }
  throw new Error(`worker ${pid} did not poll ${taskQueue} within ${timeoutMs / 1000} s`);
}

export async function runFleet(opts: { size: FleetSize; keepStack: boolean; progress: Progress }): Promise<FleetResults> {
  const started = Date.now();
  const params = FLEET_SIZES[opts.size];
  const { progress } = opts;
  const { ports, stateDir, portBase } = fleetStack();
  process.env.FIREDRILL_DEV_PORT_BASE = portBase;
  process.env.FIREDRILL_STATE_DIR = stateDir;
  const loadBefore = load();
  progress(`fleet (${opts.size}): real Temporal server stack on port base ${portBase}, ${params.nodesPerZone * 3} nodes`);
  // No control tower: its polling would be counted as the fleet's load.
  const up = await stackUp({ nodesPerZone: params.nodesPerZone, temporal: 'server', tower: false, progress }, stateDir, ports);
  const security = up.status.temporal.tls;
  if (up.status.temporal.kind !== 'server' || !security) throw new Error('the fleet stack does not run the real Temporal server with mTLS');
  // The worker processes inherit these: they connect like a deployed worker, over mTLS.
  Object.assign(process.env, {
    TEMPORAL_TLS_CA: security.caFile, TEMPORAL_TLS_CERT: security.certFile, TEMPORAL_TLS_KEY: security.keyFile, TEMPORAL_TLS_SERVER_NAME: security.serverName,
  });
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-fleet-'));
  const { client, close } = await connect({ address: up.status.temporalAddress, namespace: up.status.temporalNamespace, taskQueue: '', security });
  const kc = loadKubeConfig(stateDir);
  const ok = await always200();
  const workers: BenchWorker[] = [];
  const open = new Set<WorkflowHandle>();
  try {
    const max = Math.max(...params.drills);
    await labelPools(kc, max, params.nodesPerPool);
    const psql = await stackPsql(stateDir, ports, progress);
    const spawnOpts = {
      temporalAddress: up.status.temporalAddress, temporalNamespace: up.status.temporalNamespace, kubeconfig: up.status.kubeconfig,
      taskQueue: `firedrill-fleet-${Date.now()}`, reportDir,
    };
    workers.push(await spawnBenchWorker(client, spawnOpts));
    progress(`worker process ${workers[0]!.pid} polls ${spawnOpts.taskQueue}`);
    // The server writes rows with nothing running (task queue leases, shard updates): measured
    // first, so per-drill rows can be given without it.
    const idleSeconds = 30;
    const [r0, c0] = [await psql.counters(), await processCpu(workers[0]!.pid)];
    await sleep(idleSeconds * 1000);
    const [r1, c1] = [await psql.counters(), await processCpu(workers[0]!.pid)];
    const idleRows = rowDelta(r1, r0).total;
    const idleRowsPerSecond = Math.round(((idleRows.inserted + idleRows.updated + idleRows.deleted) / idleSeconds) * 10) / 10;
    const idle = { seconds: idleSeconds, rowsPerSecond: idleRowsPerSecond, workerCpuSecondsPerMinute: Math.round(((c1 - c0) / idleSeconds) * 60 * 100) / 100, workerRssMb: (await workers[0]!.memory()).rssMb };
    progress(`idle: ${idleRowsPerSecond} rows/s written, worker ${idle.workerCpuSecondsPerMinute} CPU s/min, ${idle.workerRssMb} MB RSS`);

    const ctx: Ctx = { client, kc, taskQueue: spawnOpts.taskQueue, probeBaseUrl: ok.url, psql, stateDir, params, progress, idleRowsPerSecond, idleRssMb: idle.workerRssMb };
    const rounds: FleetRound[] = [];
    const outDir = path.join(projectRoot, 'bench', 'results');
    await fs.mkdir(outDir, { recursive: true });
    const partialFile = path.join(outDir, `fleet.${opts.size}.partial.json`);
    for (const n of params.drills) {
      rounds.push(await round(ctx, n, workers, open));
      // Kept if a later round fails: the rounds are the long part.
      await fs.writeFile(partialFile, `${JSON.stringify(rounds, null, 2)}\n`);
    }
    if (params.secondWorker) {
      const second = await spawnBenchWorker(client, spawnOpts);
      workers.push(second);
      await waitForPoller(client, up.status.temporalNamespace, spawnOpts.taskQueue, second.pid);
      progress(`second worker process ${second.pid} polls ${spawnOpts.taskQueue}`);
      rounds.push(await round(ctx, max, workers, open));
    }
    const oneWorker = rounds.filter((r) => r.workers.length === 1);
    const firstOver = oneWorker.find((r) => r.overload.length);
    const enough = oneWorker.filter((r) => !r.overload.length).map((r) => r.manualDrills);
    const cpus = os.cpus();
    const results: FleetResults = {
      size: opts.size,
      firedrillVersion: FIREDRILL_VERSION,
      startedAt: new Date(started).toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      command: `npm run bench -- --only fleet --size ${opts.size}`,
      machine: { nproc: os.availableParallelism?.() ?? cpus.length, memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10, node: process.version, cpuModel: cpus[0]?.model ?? 'unknown', loadBefore, loadAfter: load() },
      temporal: { kind: up.status.temporal.kind, version: up.status.temporal.version, mtls: true },
      params,
      clusterNodes: Object.values(up.status.nodesPerZone).reduce((s, z) => s + z.ready, 0),
      idle,
      rounds,
      verdict: { oneWorkerEnoughUpTo: enough.length ? Math.max(...enough) : null, firstOverloadedAt: firstOver?.manualDrills ?? null, reasons: firstOver?.overload ?? [] },
    };
    await fs.writeFile(path.join(outDir, `fleet.${opts.size}.json`), `${JSON.stringify(results, null, 2)}\n`);
    await fs.rm(partialFile, { force: true });
    progress(`results written to bench/results/fleet.${opts.size}.json`);
    return results;
  } finally {
    // A failed round leaves drills holding their pools: cancelling one restores it.
    await Promise.all([...open].map((h) => h.cancel().catch(() => undefined)));
    if (open.size) await sleep(15_000);
    for (const w of workers) await w.stop();
    await clearPools(kc).catch(() => undefined);
    await ok.close();
    await close();
    await fs.rm(reportDir, { recursive: true, force: true });
    if (!opts.keepStack) {
      progress('stopping the fleet stack (--keep-stack keeps it)');
      await stackDown(stateDir);
    }
  }
}

export function formatFleet(r: FleetResults): string {
  const lines = [
    `firedrill bench --only fleet --size ${r.size}: Temporal server ${r.temporal.version} on PostgreSQL (mTLS), ${r.clusterNodes} kwok nodes, ${r.params.holdSeconds} s holds, 5 http probes at 1 s per drill; `
      + `${r.machine.nproc} CPUs, load ${r.machine.loadBefore.join(' ')} before, ${r.machine.loadAfter.join(' ')} after`,
    `idle: ${r.idle.rowsPerSecond} rows/s, worker ${r.idle.workerCpuSecondsPerMinute} CPU s/min at ${r.idle.workerRssMb} MB`,
    ...r.rounds.map(formatRound),
    `one worker enough up to ${r.verdict.oneWorkerEnoughUpTo ?? 'none'} drills${r.verdict.firstOverloadedAt !== null ? `; overloaded at ${r.verdict.firstOverloadedAt}: ${r.verdict.reasons.join('; ')}` : ''}`,
    '',
  ];
  return lines.join('\n');
}
