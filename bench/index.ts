import fs from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot, projectRoot } from '../devstack/paths.js';
import { stackPorts } from '../devstack/ports.js';
import { ensureKube } from '../devstack/provision.js';
import { loadKubeConfig, stackDown, stackUp } from '../devstack/stack.js';
import { withLock } from '../devstack/lock.js';
import { connect } from '../client/connection.js';
import { FIREDRILL_VERSION } from '../client/version.js';
import { benchDrain, DRAIN_NS, type DrainBenchResult } from './drain.js';
import {
  always200, benchAbort, benchAccuracy, benchHistory, RTO_NS,
  type AbortBenchResult, type AccuracyResult, type HistoryRun,
} from './drills.js';
import { endOpenDrills } from './cleanup.js';
import { benchPayloads } from './payloads.js';
import { benchPodMemory, type PodMemoryResult } from './pod-memory.js';
import { benchPower, type PowerBenchResult } from './power.js';
import { benchProbeLoad, type ProbeLoadRun } from './probe-load.js';
import { evaluate } from './targets.js';
import { stackPids } from './cpu-window.js';
import { deleteNamespace, type Progress } from './kube.js';
import type { BenchResults, BenchSize, SizeParams } from './model.js';
import { spawnBenchWorker, type BenchWorker } from './worker-process.js';

// `firedrill bench`: the issue's five benchmarks on a stack of the benchmark's own (own ports,
// own state directory), so it never disturbs the default local stack or tests using it.

/** The fleet figures (`--only fleet`): concurrent drills on the real Temporal server, on a stack of their own. */
export { formatFleet, runFleet } from './fleet.js';
export type { BenchResults, BenchSize, SizeParams, Target } from './model.js';

export const SIZES: Record<BenchSize, SizeParams> = {
  quick: { nodesPerZone: 10, deployments: 10, replicas: 30, drainConcurrency: 100, rawConcurrency: 200, accuracyRuns: 3, accuracySlots: 3, historyHolds: [5, 15], sweep: [100, 20, 200, 50], probeCounts: [100, 1000], probeHoldSeconds: 20, powerRounds: 3 },
  // The growth curves' middle point: 30 pods per node as in the other two; one sweep point (its eviction calls per pod).
  mid: { nodesPerZone: 34, deployments: 10, replicas: 100, drainConcurrency: 100, rawConcurrency: 200, accuracyRuns: 4, accuracySlots: 4, historyHolds: [5], sweep: [100], probeCounts: [100], probeHoldSeconds: 20, powerRounds: 3 },
  full: { nodesPerZone: 100, deployments: 30, replicas: 100, drainConcurrency: 100, rawConcurrency: 200, accuracyRuns: 20, accuracySlots: 4, historyHolds: [20, 60], sweep: [100, 20, 200, 50], probeCounts: [100, 1000], probeHoldSeconds: 60, powerRounds: 5 },
};

export interface BenchOptions {
  size: BenchSize;
  keepStack: boolean;
  /** Drain once more through a worker with the deployment's NODE_OPTIONS (one more placement and drain). */
  semiSpaceRun?: boolean;
  /** NODE_OPTIONS of that second worker instead of the deployment's (a heap cap, say). */
  secondNodeOptions?: string;
  progress: Progress;
}

/**
 * The benchmark stack: own port block and state dir, beside (never instead of) the default one.
 * The block lies below Linux's ephemeral range (32768-60999): inside it, an outgoing connection
 * of the bench itself can hold a port of the block, and the simulator's listen failed with
 * EADDRINUSE on base+8. One state directory per block, so a kept stack on another block is left alone.
 */
export function benchStack(env: NodeJS.ProcessEnv = process.env) {
  const base = env.FIREDRILL_BENCH_PORT_BASE ?? '25000';
  return {
    ports: stackPorts({ ...env, FIREDRILL_DEV_PORT_BASE: base }),
    stateDir: path.join(cacheRoot(env), `bench-state-${base}`),
    portBase: base,
  };
}

/**
 * Runs fn holding the lock of the bench's port base: two runs on one port base share the stack,
 * and the first one's end stops it under the second.
 */
export function withBenchLock<T>(progress: Progress, fn: () => Promise<T>): Promise<T> {
  const { stateDir, portBase } = benchStack();
  return withLock(stateDir, 'bench-run', fn,
    () => progress(`another benchmark runs on port base ${portBase}: waiting for it to end`));
}

export { evaluate };

export async function runBench(opts: BenchOptions): Promise<BenchResults> {
  return withBenchLock(opts.progress, () => run(opts));
}

async function run(opts: BenchOptions): Promise<BenchResults> {
  const started = Date.now();
  const params = SIZES[opts.size];
  const progress = opts.progress;
  const { ports, stateDir, portBase } = benchStack();
  // Anything below that reads the environment sees the benchmark stack, not the default one.
  process.env.FIREDRILL_DEV_PORT_BASE = portBase;
  process.env.FIREDRILL_STATE_DIR = stateDir;
  progress(`bench (${opts.size}): own stack on port base ${portBase}, ${params.nodesPerZone} nodes per zone`);
  const up = await stackUp({ nodesPerZone: params.nodesPerZone, progress }, stateDir, ports);
  progress(`stack ready in ${up.seconds.toFixed(1)} s`);
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-bench-'));
  try {
    const kc = loadKubeConfig(stateDir);
    const kubectl = (await ensureKube(progress)).kubectl;
    // Leftovers of an earlier (kept or interrupted) run would sit on the nodes the drills take away.
    await Promise.all([deleteNamespace(kc, DRAIN_NS, 600_000), deleteNamespace(kc, RTO_NS)]);

    const security = up.status.temporal.tls;
    const { client, close: closeClient } = await connect({
      address: up.status.temporalAddress, namespace: up.status.temporalNamespace, taskQueue: '', ...(security ? { security } : {}),
    });
    const ok = await always200();
    let worker: BenchWorker | undefined;
    let drain: DrainBenchResult;
    let abort: AbortBenchResult;
    let power: PowerBenchResult;
    let podMemory: PodMemoryResult;
    let history: HistoryRun[];
    let accuracy: AccuracyResult;
    let probeLoad: ProbeLoadRun[];
    let drillWorkerPeakMb: number | null = null;
    let drillWorkerHwmReset = false;
    const outDir = path.join(projectRoot, 'bench', 'results');
    try {
      // Every drill runs in this `firedrill worker` process, never in the bench process: its
      // memory is the worker's alone.
      worker = await spawnBenchWorker(client, {
        temporalAddress: up.status.temporalAddress, temporalNamespace: up.status.temporalNamespace, kubeconfig: up.status.kubeconfig,
        taskQueue: `firedrill-bench-${Date.now()}`, reportDir,
      });
      progress(`worker process ${worker.pid} polls ${worker.taskQueue}`);
      // The drain first, on a fresh worker. The drained workload stays (in the other zones) for the drills that follow.
      drain = await benchDrain(kc, kubectl, {
        deployments: params.deployments, replicas: params.replicas, concurrency: params.drainConcurrency, rawConcurrency: params.rawConcurrency,
        semiSpaceRun: opts.semiSpaceRun ?? true, sweep: params.sweep, ...(opts.secondNodeOptions ? { secondNodeOptions: opts.secondNodeOptions } : {}),
      }, {
        client, temporalAddress: up.status.temporalAddress, temporalNamespace: up.status.temporalNamespace, kubeconfig: up.status.kubeconfig,
        reportDir, probeUrl: ok.url, worker, stackPids: await stackPids(stateDir),
      }, progress);
      await fs.mkdir(outDir, { recursive: true });
      // Kept if a later step fails: the drain is the long part.
      await fs.writeFile(path.join(outDir, `${opts.size}.drain.json`), `${JSON.stringify(drain, null, 2)}\n`);

      podMemory = await benchPodMemory(kc, DRAIN_NS);
      progress(`pod memory: ${podMemory.pods} pods as client objects ${podMemory.fullObjectsMb} MB heap, as references ${podMemory.refsMb} MB`);
      const ctx = { client, taskQueue: worker.taskQueue, kc, progress };
      drillWorkerHwmReset = await worker.resetPeak();
      abort = await benchAbort(ctx, ok.url);
      power = await benchPower(ctx, ok.url, params.powerRounds);
      history = await benchHistory(ctx, ok.url, params.historyHolds);
      accuracy = await benchAccuracy(ctx, params.accuracyRuns, params.accuracySlots, ports.simulator);
      drillWorkerPeakMb = (await worker.memory()).hwmMb;
      progress(`drill worker peak (benchmarks 2, 3, 5): ${drillWorkerPeakMb} MB VmHWM`);
      // After the peak is read: a thousand probes are a load of their own.
      probeLoad = await benchProbeLoad(ctx, worker.pid, params.probeCounts, params.probeHoldSeconds);
    } finally {
      // A benchmark that failed half-way may have left a drill holding nodes.
      const ended = await endOpenDrills(client);
      if (ended) progress(`ended ${ended} drill(s) a failed benchmark left running`);
      await worker?.stop();
      await ok.close();
      await closeClient();
    }
    await deleteNamespace(kc, RTO_NS);

    const cpus = os.cpus();
    const partial: Omit<BenchResults, 'targets'> = {
      size: opts.size,
      firedrillVersion: FIREDRILL_VERSION,
      startedAt: new Date(started).toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      command: `npm run bench -- --size ${opts.size}`,
      machine: {
        nproc: os.availableParallelism?.() ?? cpus.length,
        memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        cpuModel: cpus[0]?.model ?? 'unknown',
      },
      params,
      drain,
      abort,
      power,
      payloads: benchPayloads(),
      podMemory,
      history,
      workerRss: {
        method: 'VmRSS and VmHWM from /proc/<pid>/status of a separate `firedrill worker` process (node bin/firedrill.js worker)',
        worker: drain.rss.worker, semiSpace: drain.rss.semiSpace, drillWorkerPeakMb, drillWorkerHwmReset,
      },
      accuracy,
      probeLoad,
    };
    const results: BenchResults = { ...partial, targets: evaluate(partial) };
    await fs.rm(path.join(outDir, `${opts.size}.drain.json`), { force: true });
    await fs.writeFile(path.join(outDir, `${opts.size}.json`), `${JSON.stringify(results, null, 2)}\n`);
    progress(`results written to bench/results/${opts.size}.json`);
    return results;
  } finally {
    // Not waited for: the next run waits for it before it starts.
    await kcDelete(stateDir);
    await fs.rm(reportDir, { recursive: true, force: true });
    if (!opts.keepStack) {
      progress('stopping the benchmark stack (--keep-stack keeps it)');
      await stackDown(stateDir);
    }
  }
}

async function kcDelete(stateDir: string): Promise<void> {
  try {
    const core = loadKubeConfig(stateDir).makeApiClient(k8s.CoreV1Api);
    await core.deleteNamespace({ name: DRAIN_NS });
  } catch {
    // Already gone, or the stack is not reachable: nothing to clean.
  }
}

export function formatTable(r: BenchResults): string {
  const rows: string[][] = [['benchmark', 'target', 'measured', 'met']];
  for (const t of r.targets) rows.push([t.name, t.target, t.measured, t.met ? 'yes' : 'NO']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const d = r.drain;
  const detail = d.variants.map((v) => `  ${v.variant.padEnd(9)} evicted ${v.evicted}/${v.evictable} in ${(v.evictedMs / 1000).toFixed(2)} s (${v.podsPerSecond} pods/s; pods without PDB by ${(v.unguardedEvictedMs / 1000).toFixed(2)} s), tool returned at ${(v.toolReturnMs / 1000).toFixed(2)} s${v.drill ? `; drill ${v.drill.outcome}, T0 at ${((v.drill.t0AfterInjectStartMs ?? 0) / 1000).toFixed(2)} s, restore ${((v.drill.restoreMs ?? 0) / 1000).toFixed(2)} s` : ''}`);
  return [
    `firedrill bench --size ${r.size}: ${d.nodes} nodes and ${d.pods} pods in the drained zone; ${r.machine.nproc} CPUs, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
    '',
    line(rows[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(1).map(line),
    '',
    'drain variants:',
    ...detail,
    ...(r.workerRss.worker ? [`worker: ${r.workerRss.worker.readyRssMb} MB RSS when ready, ${r.workerRss.worker.peakMb} MB peak during the drain drill${r.workerRss.semiSpace ? `; with NODE_OPTIONS=${r.workerRss.semiSpace.nodeOptions ?? ''}${r.workerRss.semiSpace.mallocArenaMax ? ` MALLOC_ARENA_MAX=${r.workerRss.semiSpace.mallocArenaMax}` : ''}: ${r.workerRss.semiSpace.readyRssMb} MB ready, ${r.workerRss.semiSpace.peakMb} MB peak` : ''}; ${r.workerRss.drillWorkerPeakMb ?? '?'} MB peak running benchmarks 2, 3, 5`] : []),
    ...(d.sweep.length ? ['drain sweep (firedrill\'s drain in the bench process; vs raw = raw wall time / this one):',
      ...d.sweep.map((x) => `  ${x.variant.padEnd(10)} concurrency ${String(x.concurrency).padStart(3)}${x.pdbWatch ? ', PDB watch' : ', timer only'}: ${(x.evictedMs / 1000).toFixed(2)} s (without PDB ${(x.unguardedEvictedMs / 1000).toFixed(2)} s), ${x.vsRaw}x raw, ${x.evictionCalls} eviction calls`)] : []),
    `power cut (${r.power.nodes} nodes, medians of ${r.power.rounds.length} rounds): raw parallel patch spread ${r.power.rawSpreadMs} ms, the same change ${r.power.rawSameChangeSpreadMs} ms, firedrill power-loss spread ${r.power.firedrillSpreadMs} ms (${r.power.throughputVsRaw}x raw, ${r.power.throughputVsSameChange}x the same change), slowest abort -> all restored ${r.power.abortToRestoredMs} ms`,
    `drain pod list, ${r.podMemory.pods} pods: ${r.podMemory.fullObjectsMb} MB heap as client objects (${r.podMemory.fullObjectBytesPerPod} B/pod), ${r.podMemory.refsMb} MB as references (${r.podMemory.refBytesPerPod} B/pod)`,
    'payloads (heartbeat / result, bytes):',
    ...r.payloads.map((x) => `  ${x.name}: ${x.segments} segments, ${x.heartbeatBytes} / ${x.resultBytes} (${Math.round(x.ofLimit * 1000) / 10} % of 2 MB)`),
    `probes: ${r.probeLoad.map((p) => `${p.probes} at 1 s: lateness p99 ${p.latenessMs.p99} ms (max ${p.latenessMs.max} ms), ${p.cpuSecondsPer1000Observations} CPU s per 1,000 observations, ${p.historyEvents} history events`).join('; ')}`,
    `history: ${r.history.map((h) => `hold ${h.holdSeconds} s: ${h.events} events, ${h.historyJsonBytes} B JSON${h.historyProtoBytes !== null ? ` / ${h.historyProtoBytes} B proto` : ''}, result ${h.resultJsonBytes} B`).join('; ')}`,
    '',
  ].join('\n');
}
