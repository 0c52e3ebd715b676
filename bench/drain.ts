import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { startDrill } from '../client/drills.js';
import { ZONE_LABEL } from '../devstack/nodes.js';
import type { DrillResult } from '../report/result.js';
import { drainNodes } from '../activities/faults/drain.js';
import { watchBudgets } from '../activities/faults/pdb-watch.js';
import { sleep } from '../activities/kube/retry.js';
import { trackDrill } from './cleanup.js';
import { deploymentMallocArenaMax, deploymentNodeOptions } from './deployment-options.js';
import { cpuWindow, type CpuUse } from './cpu-window.js';
import { benchSpec, httpProbe } from './spec.js';
import {
  deleteNamespace, ensureNamespace, liveEvictable, restartAll, setNodeLabel, setUnschedulable, upsertAll, waitPlaced,
  watchZone, zoneNodes, type Progress,
} from './kube.js';
import { spawnBenchWorker, type BenchWorker } from './worker-process.js';

// Benchmark 1 (zone drain wall time) and 4 (worker peak RSS during the drain): firedrill's
// variant is a real drill run by a separate `firedrill worker` process.

const exec = promisify(execFile);
export const DRAIN_NS = 'bench-drain';
export const ZONE = 'zone-a';
export const OTHER_ZONES = ['zone-b', 'zone-c'];

export interface DrainSize {
  deployments: number;
  replicas: number;
  concurrency: number;
  rawConcurrency: number;
  /** Also drain once more through a second worker (NODE_OPTIONS below). */
  semiSpaceRun: boolean;
  /** NODE_OPTIONS of that worker; unset, the deployment's (deploy/40-worker.yaml). */
  secondNodeOptions?: string;
  /** Concurrencies of the sweep: firedrill's drain (the activity's code, in the bench process) at each. */
  sweep: number[];
}

/** What the firedrill variant needs: a client, the bench stack's Temporal, a healthy probe URL, the measured worker. */
export interface DrainDrillCtx {
  client: Client;
  temporalAddress: string;
  temporalNamespace: string;
  kubeconfig: string;
  reportDir: string;
  probeUrl: string;
  /** The `firedrill worker` process (default Node options) that later runs benchmarks 2, 3 and 5 too. */
  worker: BenchWorker;
  /** The benchmark stack's processes, whose CPU each variant records. */
  stackPids: Record<string, number>;
}

export interface WorkerMemory {
  pid: number;
  nodeOptions: string | null;
  mallocArenaMax: string | null;
  /** VmRSS once the worker polls its task queue and its RSS has settled, before the drill starts. */
  readyRssMb: number;
  /** How long after it polled the RSS took to settle (start-up garbage collected while idle). */
  readySettledAfterMs: number;
  /** VmHWM before the drill (start-up peak: loading the workflow bundle, connecting). */
  startupHwmMb: number;
  /** VmHWM at the end of the drill; the start-up peak is excluded when hwmReset. */
  peakMb: number;
  hwmReset: boolean;
  /**
   * After one small drill (a cordon of one node, a few seconds), before the drain: the first
   * drill's one-time cost (the workflow sandbox, code paths compiled, connections) is paid, so
   * peak minus this is what the drain's pods cost. Null when not measured.
   */
  warmRssMb: number | null;
}

export interface DrillDrainReport {
  workflowId: string;
  outcome: string;
  outcomeReason: string;
  /** Injection T0 (after the first eviction round), counted from the start of the inject phase. */
  t0AfterInjectStartMs: number | null;
  /** T0 until every evictable pod of the zone was evicted. */
  evictedSinceT0Ms: number | null;
  /** Drill start (preflight, baseline) until the inject phase began. */
  beforeInjectMs: number;
  restoreMs: number | null;
  restoredNodes: string;
  evicted: number | null;
  notEvicted: number | null;
  apiRetries: number | null;
  worker: WorkerMemory;
}

/** sweep-<n>: firedrill's drain at concurrency n with the PDB watch; timer-<n>: the same without it. */
export type Variant = 'firedrill' | 'kubectl' | 'raw' | 'firedrill-deployment' | 'firedrill-second' | `sweep-${number}` | `timer-${number}`;

export interface VariantResult {
  variant: Variant;
  /** Start (firedrill: the drill's inject phase) until every evictable pod of the zone was evicted (terminating or gone). */
  evictedMs: number;
  /** Start until every evictable pod without a PodDisruptionBudget was evicted (eviction speed without PDB waits). */
  unguardedEvictedMs: number;
  /** Start until the tool itself returned. */
  toolReturnMs: number;
  evictable: number;
  evicted: number;
  /** Pods evicted from the zone, per Deployment (app label). */
  perDeployment: Record<string, number>;
  daemonPodsInZone: number;
  daemonPodsEvicted: number;
  newcomersInZone: number;
  podsPerSecond: number;
  /** The machine's cores and the stack's processes from the tool's call until every pod was evicted. */
  cpu: CpuUse;
  toolReport?: Record<string, unknown>;
  drill?: DrillDrainReport;
}

export interface DrainBenchResult {
  nodes: number;
  pods: number;
  deployments: number;
  replicas: number;
  pdbs: Array<{ deployment: string; maxUnavailable: string }>;
  variants: VariantResult[];
  ratios: { firedrillVsKubectl: number; firedrillThroughputVsRaw: number };
  sameEvictedSet: boolean;
  sameSetNotes: string[];
  /** The measured worker (default Node options) and, when run, the one with the deployment's NODE_OPTIONS (or --second-worker's). */
  rss: { worker: WorkerMemory | null; semiSpace: WorkerMemory | null };
  placementSeconds: number[];
  /** The concurrency sweep and the timer-only run, each with its ratio to the raw bound of this run. */
  sweep: Array<{ variant: Variant; concurrency: number; pdbWatch: boolean; evictedMs: number; unguardedEvictedMs: number; vsRaw: number; evictionCalls: number }>;
}

function workload(size: DrainSize): { objects: k8s.KubernetesObject[]; pdbs: DrainBenchResult['pdbs'] } {
  const objects: k8s.KubernetesObject[] = [];
  const pdbs: DrainBenchResult['pdbs'] = [];
  const podSpec = (app: string): k8s.V1PodTemplateSpec => ({
    metadata: { labels: { app } },
    spec: {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            preference: { matchExpressions: [{ key: ZONE_LABEL, operator: 'In', values: [ZONE] }] },
          }],
        },
      },
      tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  });
  for (let i = 0; i < size.deployments; i++) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    objects.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: DRAIN_NS },
      spec: { replicas: size.replicas, selector: { matchLabels: { app: name } }, template: podSpec(name) },
    } as k8s.V1Deployment);
    // A third of the Deployments carry a PodDisruptionBudget (10% or 20% unavailable).
    if (i % 3 === 0) {
      const maxUnavailable = i % 2 === 0 ? '10%' : '20%';
      pdbs.push({ deployment: name, maxUnavailable });
      objects.push({
        apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: DRAIN_NS },
        spec: { maxUnavailable, selector: { matchLabels: { app: name } } },
      } as k8s.V1PodDisruptionBudget);
    }
  }
  const ds = podSpec('node-agent');
  delete ds.spec?.affinity;
  objects.push({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-agent', namespace: DRAIN_NS },
    spec: { selector: { matchLabels: { app: 'node-agent' } }, template: ds },
  } as k8s.V1DaemonSet);
  return { objects, pdbs };
}

/**
 * Puts every Deployment pod back into the zone: the other zones are cordoned while the
 * Deployments roll, so the scheduler has no choice, then uncordoned again. Identical starting
 * placement for every variant.
 */
async function placeInZone(kc: k8s.KubeConfig, size: DrainSize, zoneSet: Set<string>, others: string[], restart: boolean, progress: Progress): Promise<number> {
  const t = Date.now();
  await setUnschedulable(kc, [...zoneSet], false);
  await setUnschedulable(kc, others, true);
  try {
    if (restart) await restartAll(kc, DRAIN_NS);
    const want = size.deployments * size.replicas;
    await waitPlaced(kc, DRAIN_NS, zoneSet, want, want, progress, 20 * 60_000);
  } finally {
    await setUnschedulable(kc, others, false);
  }
  // Let the controllers settle (PDB status, ReplicaSet observed generations) before measuring.
  await sleep(3000);
  return (Date.now() - t) / 1000;
}

function perApp(watch: Awaited<ReturnType<typeof watchZone>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of watch.evictable) if (watch.evictedAt.has(p.uid)) out[p.app] = (out[p.app] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

interface ToolOutcome {
  report?: Record<string, unknown>;
  /** When the measured work began, if not when the tool was called (a drill: its inject phase). */
  startAt?: number;
  /** When the tool's own work ended, if not when it returned (a drill: the end of its inject phase). */
  returnedAt?: number;
}

async function measure(kc: k8s.KubeConfig, variant: Variant, zoneSet: Set<string>, guarded: Set<string>, pids: Record<string, number>,
  tool: () => Promise<ToolOutcome>, progress: Progress): Promise<VariantResult> {
  const watch = await watchZone(kc, DRAIN_NS, zoneSet);
  try {
    progress(`  ${variant}: ${watch.evictable.length} evictable pods and ${watch.daemon.length} DaemonSet pods in ${ZONE}`);
    const closeCpu = await cpuWindow(pids);
    const called = Date.now();
    let returned = 0;
    let out: ToolOutcome = {};
    const toolRun = tool().then((r) => { returned = Date.now(); out = r; });
    // A tool that ends with pods left in the zone (a refused drill, an eviction timeout) must not hang the benchmark.
    const emptyAfterTool = toolRun.then(() => Promise.race([watch.empty, sleep(60_000).then(() => {
      throw new Error(`${variant}: the tool returned but ${watch.evictable.length - watch.evictedAt.size} pod(s) are still in ${ZONE}`);
    })]));
    const stall = stallWatch(kc, variant, watch);
    const end = await Promise.race([watch.empty, emptyAfterTool, stall.failed]).finally(stall.stop);
    const cpu = await closeCpu();
    // Only the drain counts: a drill uncordons the zone afterwards, and pending replacements may then land there.
    const newcomers = watch.newcomers.size;
    await toolRun;
    // A grace period to catch a DaemonSet pod evicted late.
    await sleep(1000);
    const start = out.startAt ?? called;
    const evicted = watch.evictable.filter((p) => watch.evictedAt.has(p.uid)).length;
    const unguarded = watch.evictable.filter((p) => !guarded.has(p.app)).map((p) => watch.evictedAt.get(p.uid) ?? end);
    const r: VariantResult = {
      variant,
      evictedMs: end - start,
      unguardedEvictedMs: Math.max(start, ...unguarded) - start,
      toolReturnMs: (out.returnedAt ?? returned) - start,
      evictable: watch.evictable.length,
      evicted,
      perDeployment: perApp(watch),
      daemonPodsInZone: watch.daemon.length,
      daemonPodsEvicted: watch.daemonEvicted(),
      newcomersInZone: newcomers,
      podsPerSecond: Math.round((evicted / Math.max(1, end - start)) * 1000 * 10) / 10,
      cpu,
      ...(out.report ? { toolReport: out.report } : {}),
    };
    progress(`  ${variant}: all evicted in ${(r.evictedMs / 1000).toFixed(2)} s (pods without PDB: ${(r.unguardedEvictedMs / 1000).toFixed(2)} s), tool returned at ${(r.toolReturnMs / 1000).toFixed(2)} s; machine ${cpu.busyCores} of ${cpu.cores} cores busy`);
    return r;
  } finally {
    watch.stop();
  }
}

/** Minutes without a pod leaving the zone before a drain is called stuck. */
const STALL_MS = 5 * 60_000;

/**
 * Fails the benchmark when no pod leaves the zone for STALL_MS, naming the budgets that allow no
 * disruption. Seen at a load of 13 on two cores: kwok's node heartbeats lapsed, the node
 * controller marked pods NotReady, kwok never made them Ready again, and every budget held.
 */
function stallWatch(kc: k8s.KubeConfig, variant: Variant, watch: { evictable: unknown[]; evictedAt: Map<string, number> }) {
  let stopped = false;
  const failed = (async (): Promise<never> => {
    let seen = -1;
    let since = Date.now();
    for (;;) {
      await sleep(10_000);
      if (stopped) return new Promise<never>(() => undefined);
      if (watch.evictedAt.size !== seen) { seen = watch.evictedAt.size; since = Date.now(); continue; }
      if (Date.now() - since < STALL_MS) continue;
      const pdbs = await kc.makeApiClient(k8s.PolicyV1Api).listNamespacedPodDisruptionBudget({ namespace: DRAIN_NS }).catch(() => undefined);
      const held = (pdbs?.items ?? []).filter((b) => (b.status?.disruptionsAllowed ?? 0) === 0)
        .map((b) => `${b.metadata?.name} (${b.status?.currentHealthy ?? '?'}/${b.status?.expectedPods ?? '?'} healthy)`);
      throw new Error(`${variant}: no pod left ${ZONE} for ${STALL_MS / 60_000} min, ${watch.evictable.length - seen} still there; `
        + `budgets allowing no disruption: ${held.join(', ') || 'none'}. Pods marked NotReady by the node controller on an overloaded machine stay so under kwok: run the benchmark on a quiet machine`);
    }
  })();
  failed.catch(() => undefined);
  return { failed, stop: () => { stopped = true; } };
}

const phaseStart = (r: DrillResult, phase: string) => {
  const i = r.journal.findIndex((e) => e.kind === 'phase' && (e.message === phase || e.message.startsWith(`${phase}:`)));
  const next = i < 0 ? undefined : r.journal.slice(i + 1).find((e) => e.kind === 'phase');
  return { at: i < 0 ? NaN : Date.parse(r.journal[i]!.at), endAt: next ? Date.parse(next.at) : NaN };
};

/**
 * firedrill's variant: a drain drill on the zone's nodes, run by a `firedrill worker` process.
 * Timed from the drill's inject phase (its cordon and first eviction round included, as for the
 * other variants), not from T0, which firedrill sets after the first eviction round.
 */
async function drillVariant(kc: k8s.KubeConfig, variant: Variant, ctx: DrainDrillCtx, worker: BenchWorker, zone: string[], size: DrainSize,
  zoneSet: Set<string>, guarded: Set<string>, progress: Progress): Promise<VariantResult> {
  const { spec, sha256 } = drainDrillSpec(`bench-${variant}`, size.concurrency, zone.length, ctx.probeUrl);
  const ready = await worker.settledMemory();
  const warmRssMb = await warmUp(kc, ctx, worker, progress);
  const hwmReset = await worker.resetPeak();
  let drill: Omit<DrillDrainReport, 'worker' | 'evictedSinceT0Ms'> | undefined;
  const v = await measure(kc, variant, zoneSet, guarded, { ...ctx.stackPids, worker: worker.pid }, async () => {
    const handle = trackDrill(await startDrill(ctx.client, { taskQueue: worker.taskQueue }, spec, sha256, { approvedBy: 'bench' }));
    progress(`  ${variant}: drill ${handle.workflowId} on worker process ${worker.pid}${worker.nodeOptions ? ` (NODE_OPTIONS=${worker.nodeOptions}${worker.mallocArenaMax ? `, MALLOC_ARENA_MAX=${worker.mallocArenaMax}` : ''})` : ''}`);
    const r = (await handle.result()) as DrillResult;
    const inject = phaseStart(r, 'inject');
    if (!r.injection || !Number.isFinite(inject.at)) throw new Error(`${variant}: the drill injected nothing (${r.outcome}: ${r.outcomeReason})`);
    const t0 = r.injection.t0 ? Date.parse(r.injection.t0) : null;
    const restore = r.restore;
    drill = {
      workflowId: handle.workflowId,
      outcome: r.outcome,
      outcomeReason: r.outcomeReason,
      t0AfterInjectStartMs: t0 === null ? null : t0 - inject.at,
      beforeInjectMs: inject.at - Date.parse(r.journal[0]?.at ?? r.injection.t0 ?? ''),
      restoreMs: restore ? Date.parse(restore.endedAt) - Date.parse(restore.startedAt) : null,
      restoredNodes: restore ? `${restore.nodes.filter((n) => n.restored).length}/${restore.nodes.length}` : 'none',
      evicted: r.injection.evicted,
      notEvicted: r.injection.notEvicted.length,
      apiRetries: r.injection.apiRetries,
    };
    return { startAt: inject.at, ...(Number.isFinite(inject.endAt) ? { returnedAt: inject.endAt } : {}) };
  }, progress);
  const after = await worker.memory();
  const mem: WorkerMemory = {
    pid: worker.pid, nodeOptions: worker.nodeOptions, mallocArenaMax: worker.mallocArenaMax, readyRssMb: ready.rssMb, readySettledAfterMs: ready.settledAfterMs, startupHwmMb: ready.hwmMb, peakMb: after.hwmMb, hwmReset, warmRssMb,
  };
  const d = drill as unknown as Omit<DrillDrainReport, 'worker' | 'evictedSinceT0Ms'>;
  v.drill = { ...d, evictedSinceT0Ms: d.t0AfterInjectStartMs === null ? null : v.evictedMs - d.t0AfterInjectStartMs, worker: mem };
  progress(`  ${variant}: ${d.outcome}, T0 ${((d.t0AfterInjectStartMs ?? 0) / 1000).toFixed(2)} s after inject began, restore ${((d.restoreMs ?? 0) / 1000).toFixed(2)} s (${d.restoredNodes} nodes); worker RSS ${mem.readyRssMb} MB ready, ${mem.warmRssMb ?? '?'} MB after a first small drill, peak ${mem.peakMb} MB`);
  return v;
}

/** The drain drill of the bench's zone. */
export function drainDrillSpec(name: string, concurrency: number, zoneNodes: number, probeUrl: string) {
  return benchSpec({
    name, target: `{ type: zone, zone: ${ZONE} }`, fault: `{ mode: drain, concurrency: ${concurrency}, evictionTimeout: 30m }`,
    // The hold counts from T0, so a long drain leaves nothing of it: restore follows at once.
    timing: '{ hold: 5s, maxDuration: 90m }', probes: [httpProbe('ok', probeUrl)],
    safety: `{ maxNodes: ${Math.max(100, zoneNodes)}, maxFraction: 0.5, protectedNamespaces: [kube-system] }`,
  });
}

/** The label of the node a warm-up drill cordons (another zone's). */
export const WARM_LABEL = 'firedrill.dev/bench-warm-up';

/** One small drill on the worker (cordon one node of another zone for 2 s); its VmRSS afterwards. */
async function warmUp(kc: k8s.KubeConfig, ctx: DrainDrillCtx, worker: BenchWorker, progress: Progress): Promise<number | null> {
  const node = (await zoneNodes(kc, OTHER_ZONES[0] as string))[0];
  if (!node) return null;
  await setNodeLabel(kc, node, WARM_LABEL, '1');
  try {
    const { spec, sha256 } = benchSpec({
      name: 'bench-warm-up', target: `{ type: nodes, selector: "${WARM_LABEL}=1" }`, fault: '{ mode: cordon }',
      timing: '{ hold: 2s, maxDuration: 5m }', probes: [httpProbe('ok', ctx.probeUrl)],
    });
    const handle = trackDrill(await startDrill(ctx.client, { taskQueue: worker.taskQueue }, spec, sha256, { approvedBy: 'bench' }));
    const r = (await handle.result()) as DrillResult;
    const rss = (await worker.memory()).rssMb;
    progress(`  warm-up drill ${handle.workflowId} on worker process ${worker.pid}: ${r.outcome}; worker RSS ${rss} MB after it`);
    return rss;
  } finally {
    await setNodeLabel(kc, node, WARM_LABEL, null);
  }
}

/** The drain workload placed in the zone, with the other zones cordoned during the first placement. */
export async function prepareWorkload(kc: k8s.KubeConfig, size: DrainSize, zoneSet: Set<string>, others: string[], progress: Progress) {
  const { objects, pdbs } = workload(size);
  progress(`drain: ${size.deployments} Deployments x ${size.replicas} replicas, ${pdbs.length} PDBs, a DaemonSet; ${zoneSet.size} nodes in ${ZONE}`);
  await deleteNamespace(kc, DRAIN_NS);
  await ensureNamespace(kc, DRAIN_NS);
  // The other zones are cordoned before the objects exist, so the first placement is in the zone too.
  await setUnschedulable(kc, others, true);
  try {
    await upsertAll(kc, objects);
  } catch (err) {
    await setUnschedulable(kc, others, false);
    throw err;
  }
  const placed = await placeInZone(kc, size, zoneSet, others, false, progress);
  progress(`  placed in ${placed.toFixed(0)} s`);
  return { pdbs, placed };
}

/** What an operator's script does: cordon the zone, then kubectl drain node after node. */
function kubectlVariant(kc: k8s.KubeConfig, kubectl: string, kubeconfig: string, zone: string[], zoneSet: Set<string>, guarded: Set<string>, pids: Record<string, number>, progress: Progress) {
  const kargs = ['--kubeconfig', kubeconfig];
  return measure(kc, 'kubectl', zoneSet, guarded, pids, async () => {
    await exec(kubectl, [...kargs, 'cordon', '-l', `${ZONE_LABEL}=${ZONE}`], { maxBuffer: 16 * 1024 * 1024 });
    let drained = 0;
    for (const node of zone) {
      await exec(kubectl, [...kargs, 'drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=600s'], { maxBuffer: 16 * 1024 * 1024 });
      if (++drained % 10 === 0) progress(`    kubectl drained ${drained}/${zone.length} nodes`);
    }
    return { report: { nodes: zone.length } };
  }, progress);
}

/** The raw lower bound: cordon everything at once, fire every eviction at once, retry only PDB refusals. */
function rawVariant(kc: k8s.KubeConfig, size: DrainSize, zone: string[], zoneSet: Set<string>, guarded: Set<string>, pids: Record<string, number>, progress: Progress) {
  return measure(kc, 'raw', zoneSet, guarded, pids, async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await setUnschedulable(kc, zone, true, size.rawConcurrency);
    let pending = await liveEvictable(kc, DRAIN_NS, zoneSet);
    const limit = pLimit(size.rawConcurrency);
    let calls = 0;
    let refused = 0;
    while (pending.length) {
      const blocked: k8s.V1Pod[] = [];
      await Promise.all(pending.map((pod) => limit(async () => {
        calls++;
        try {
          await core.createNamespacedPodEviction({
            name: pod.metadata?.name ?? '', namespace: DRAIN_NS,
            body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.metadata?.name ?? '', namespace: DRAIN_NS } },
          });
        } catch (err) {
          const code = err instanceof k8s.ApiException ? err.code : undefined;
          if (code === 404) return;
          refused++;
          blocked.push(pod);
        }
      })));
      pending = blocked;
      if (pending.length) await sleep(250);
    }
    return { report: { evictionCalls: calls, refused } };
  }, progress);
}

/**
 * A point of the sweep: cordon the zone at once, then firedrill's drain (drainNodes, as the
 * inject activity calls it) at `concurrency`, with or without the watch on the budgets. In the
 * bench process: the pace does not depend on the process, and a drill per point would add its
 * preflight, baseline and restore to each.
 */
function sweepVariant(kc: k8s.KubeConfig, concurrency: number, pdbWatch: boolean, zone: string[], zoneSet: Set<string>, guarded: Set<string>, pids: Record<string, number>, progress: Progress) {
  return measure(kc, `${pdbWatch ? 'sweep' : 'timer'}-${concurrency}`, zoneSet, guarded, pids, async () => {
    const counting = countingCore(kc.makeApiClient(k8s.CoreV1Api));
    await setUnschedulable(kc, zone, true, concurrency);
    const budgets = pdbWatch ? await watchBudgets(kc) : undefined;
    try {
      const out = await drainNodes(counting.core, zone, {
        concurrency, evictionTimeoutMs: 30 * 60_000, protectedNamespaces: ['kube-system'], ...(budgets ? { budgets } : {}),
      }, { retries: 0 });
      return { report: { evicted: out.evicted, notEvicted: out.notEvicted.length, evictionCalls: counting.evictions(), pdbWatch: budgets !== undefined } };
    } finally {
      budgets?.close();
    }
  }, progress);
}

/** The client with its eviction calls counted (API requests per pod). */
function countingCore(core: k8s.CoreV1Api): { core: k8s.CoreV1Api; evictions(): number } {
  let n = 0;
  const wrapped = new Proxy(core, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'createNamespacedPodEviction' && typeof v === 'function') {
        return (...args: unknown[]) => { n++; return (v as (...a: unknown[]) => unknown).apply(target, args); };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { core: wrapped, evictions: () => n };
}

/** Where a firedrill variant's evicted set differs from kubectl's, or a variant did something else wrong. */
function evictedSetNotes(variants: VariantResult[], kubectlRun: VariantResult): string[] {
  const notes: string[] = [];
  for (const f of variants.filter((v) => v.variant.startsWith('firedrill'))) {
    const keys = new Set([...Object.keys(f.perDeployment), ...Object.keys(kubectlRun.perDeployment)]);
    for (const k of keys) {
      if (f.perDeployment[k] !== kubectlRun.perDeployment[k]) notes.push(`${k}: ${f.variant} ${f.perDeployment[k] ?? 0}, kubectl ${kubectlRun.perDeployment[k] ?? 0}`);
    }
  }
  for (const v of variants) {
    if (v.daemonPodsEvicted) notes.push(`${v.variant} evicted ${v.daemonPodsEvicted} DaemonSet pod(s)`);
    if (v.evicted !== v.evictable) notes.push(`${v.variant} evicted ${v.evicted} of ${v.evictable} evictable pods`);
    if (v.newcomersInZone) notes.push(`${v.variant}: ${v.newcomersInZone} pod(s) landed in the zone during the drain`);
  }
  return notes;
}

export async function benchDrain(kc: k8s.KubeConfig, kubectl: string, size: DrainSize, ctx: DrainDrillCtx, progress: Progress): Promise<DrainBenchResult> {
  const zone = await zoneNodes(kc, ZONE);
  const zoneSet = new Set(zone);
  const others = (await Promise.all(OTHER_ZONES.map((z) => zoneNodes(kc, z)))).flat();
  const { pdbs, placed } = await prepareWorkload(kc, size, zoneSet, others, progress);
  const placementSeconds: number[] = [placed];
  const guarded = new Set(pdbs.map((p) => p.deployment));
  const variants: VariantResult[] = [];
  // The bench process runs kubectl's children, the raw drain and the sweep itself.
  const pids = { ...ctx.stackPids, bench: process.pid };

  // firedrill: a drain drill through the `firedrill worker` process; the drill restores the zone itself.
  const firedrillRun = await drillVariant(kc, 'firedrill', ctx, ctx.worker, zone, size, zoneSet, guarded, progress);
  variants.push(firedrillRun);

  placementSeconds.push(await placeInZone(kc, size, zoneSet, others, true, progress));
  const kubectlRun = await kubectlVariant(kc, kubectl, ctx.kubeconfig, zone, zoneSet, guarded, pids, progress);
  variants.push(kubectlRun);
  await setUnschedulable(kc, zone, false);

  placementSeconds.push(await placeInZone(kc, size, zoneSet, others, true, progress));
  const rawRun = await rawVariant(kc, size, zone, zoneSet, guarded, pids, progress);
  variants.push(rawRun);
  await setUnschedulable(kc, zone, false);

  // The sweep, then the timer-only drain at the drill's concurrency: the PDB watch's effect, same run.
  const sweep: DrainBenchResult['sweep'] = [];
  const points = [...size.sweep.map((c) => ({ c, watch: true })), ...(size.sweep.length ? [{ c: size.concurrency, watch: false }] : [])];
  for (const { c, watch } of points) {
    placementSeconds.push(await placeInZone(kc, size, zoneSet, others, true, progress));
    const v = await sweepVariant(kc, c, watch, zone, zoneSet, guarded, pids, progress);
    await setUnschedulable(kc, zone, false);
    variants.push(v);
    sweep.push({
      variant: v.variant, concurrency: c, pdbWatch: Boolean(v.toolReport?.pdbWatch), evictedMs: v.evictedMs, unguardedEvictedMs: v.unguardedEvictedMs,
      vsRaw: Math.round((rawRun.evictedMs / v.evictedMs) * 100) / 100, evictionCalls: Number(v.toolReport?.evictionCalls ?? 0),
    });
  }

  // The same drill through a worker with the deployment's NODE_OPTIONS and MALLOC_ARENA_MAX (deploy/40-worker.yaml).
  let semiSpace: WorkerMemory | null = null;
  if (size.semiSpaceRun) {
    placementSeconds.push(await placeInZone(kc, size, zoneSet, others, true, progress));
    const w = await spawnBenchWorker(ctx.client, {
      temporalAddress: ctx.temporalAddress, temporalNamespace: ctx.temporalNamespace, kubeconfig: ctx.kubeconfig,
      taskQueue: `${ctx.worker.taskQueue}-second`, reportDir: ctx.reportDir, nodeOptions: size.secondNodeOptions ?? deploymentNodeOptions(),
      ...(size.secondNodeOptions ? {} : { mallocArenaMax: deploymentMallocArenaMax() }),
    });
    try {
      const semiSpaceRun = await drillVariant(kc, size.secondNodeOptions ? 'firedrill-second' : 'firedrill-deployment', ctx, w, zone, size, zoneSet, guarded, progress);
      variants.push(semiSpaceRun);
      semiSpace = semiSpaceRun.drill?.worker ?? null;
    } finally {
      await w.stop();
    }
  }

  const notes = evictedSetNotes(variants, kubectlRun);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    nodes: zone.length,
    pods: size.deployments * size.replicas,
    deployments: size.deployments,
    replicas: size.replicas,
    pdbs,
    variants,
    ratios: { firedrillVsKubectl: round(kubectlRun.evictedMs / firedrillRun.evictedMs), firedrillThroughputVsRaw: round(rawRun.evictedMs / firedrillRun.evictedMs) },
    sameEvictedSet: notes.length === 0,
    sameSetNotes: notes,
    rss: { worker: firedrillRun.drill?.worker ?? null, semiSpace },
    placementSeconds,
    sweep,
  };
}
