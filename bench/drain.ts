import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import pLimit from 'p-limit';
import { createInjectFault, type InjectInput, type InjectResult } from '../activities/faults/inject.js';
import { createRestoreNodes, type RestoreResult } from '../activities/faults/restore.js';
import { ZONE_LABEL } from '../devstack/nodes.js';
import { sleep } from '../activities/kube/retry.js';
import {
  deleteNamespace, ensureNamespace, liveEvictable, restartAll, rssSampler, setUnschedulable, upsertAll, waitPlaced,
  watchZone, zoneNodes, type Progress,
} from './kube.js';

// Benchmark 1 (zone drain wall time) and 4 (worker peak RSS during the drain).

const exec = promisify(execFile);
export const DRAIN_NS = 'bench-drain';
const ZONE = 'zone-a';
const OTHER_ZONES = ['zone-b', 'zone-c'];

export interface DrainSize {
  deployments: number;
  replicas: number;
  concurrency: number;
  rawConcurrency: number;
}

export interface VariantResult {
  variant: 'firedrill' | 'kubectl' | 'raw';
  /** Start until every evictable pod of the zone was evicted (terminating or gone). */
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
  toolReport?: Record<string, unknown>;
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
  rss: { startMb: number; peakMb: number };
  placementSeconds: number[];
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

async function measure(kc: k8s.KubeConfig, variant: VariantResult['variant'], zoneSet: Set<string>, guarded: Set<string>,
  tool: () => Promise<Record<string, unknown> | undefined>, progress: Progress): Promise<VariantResult> {
  const watch = await watchZone(kc, DRAIN_NS, zoneSet);
  progress(`  ${variant}: ${watch.evictable.length} evictable pods and ${watch.daemon.length} DaemonSet pods in ${ZONE}`);
  const start = Date.now();
  let toolReturn = 0;
  let report: Record<string, unknown> | undefined;
  const toolRun = tool().then((r) => { toolReturn = Date.now(); report = r; });
  const end = await Promise.race([watch.empty, toolRun.then(() => watch.empty)]);
  await toolRun;
  // A grace period to catch a DaemonSet pod evicted late.
  await sleep(1000);
  watch.stop();
  const evicted = watch.evictable.filter((p) => watch.evictedAt.has(p.uid)).length;
  const unguarded = watch.evictable.filter((p) => !guarded.has(p.app)).map((p) => watch.evictedAt.get(p.uid) ?? end);
  const r: VariantResult = {
    variant,
    evictedMs: end - start,
    unguardedEvictedMs: Math.max(start, ...unguarded) - start,
    toolReturnMs: toolReturn - start,
    evictable: watch.evictable.length,
    evicted,
    perDeployment: perApp(watch),
    daemonPodsInZone: watch.daemon.length,
    daemonPodsEvicted: watch.daemonEvicted(),
    newcomersInZone: watch.newcomers.size,
    podsPerSecond: Math.round((evicted / Math.max(1, end - start)) * 1000 * 10) / 10,
    ...(report ? { toolReport: report } : {}),
  };
  progress(`  ${variant}: all evicted in ${(r.evictedMs / 1000).toFixed(2)} s (pods without PDB: ${(r.unguardedEvictedMs / 1000).toFixed(2)} s), tool returned at ${(r.toolReturnMs / 1000).toFixed(2)} s`);
  return r;
}

export async function benchDrain(kc: k8s.KubeConfig, kubeconfigPath: string, kubectl: string, size: DrainSize, progress: Progress): Promise<DrainBenchResult> {
  const zone = await zoneNodes(kc, ZONE);
  const zoneSet = new Set(zone);
  const others = (await Promise.all(OTHER_ZONES.map((z) => zoneNodes(kc, z)))).flat();
  const { objects, pdbs } = workload(size);
  progress(`drain: ${size.deployments} Deployments x ${size.replicas} replicas, ${pdbs.length} PDBs, a DaemonSet; ${zone.length} nodes in ${ZONE}`);
  await deleteNamespace(kc, DRAIN_NS);
  await ensureNamespace(kc, DRAIN_NS);
  const placementSeconds: number[] = [];
  // The other zones are cordoned before the objects exist, so the first placement is in the zone too.
  await setUnschedulable(kc, others, true);
  try {
    await upsertAll(kc, objects);
  } catch (err) {
    await setUnschedulable(kc, others, false);
    throw err;
  }
  placementSeconds.push(await placeInZone(kc, size, zoneSet, others, false, progress));
  progress(`  placed in ${placementSeconds.at(-1)?.toFixed(0)} s`);

  const guarded = new Set(pdbs.map((p) => p.deployment));
  const variants: VariantResult[] = [];
  let rss = { startMb: 0, peakMb: 0 };

  // (a) firedrill's drain fault, as the worker runs it, then its restore.
  const runId = `bench-${Date.now()}`;
  const sampler = rssSampler();
  const a = await measure(kc, 'firedrill', zoneSet, guarded, async () => {
    const env = new MockActivityEnvironment();
    const input: InjectInput = {
      runId, workflowId: runId, mode: 'drain', nodes: zone, concurrency: size.concurrency,
      evictionTimeoutMs: 600_000, protectedNamespaces: ['kube-system'],
    };
    const res: InjectResult = await env.run(createInjectFault(kc), input);
    return { evicted: res.evicted, notEvicted: res.notEvicted.length, apiRetries: res.apiRetries, t0: res.t0 };
  }, progress);
  rss = sampler.stop();
  variants.push(a);
  const restored: RestoreResult = await new MockActivityEnvironment().run(createRestoreNodes(kc), { runId });
  progress(`  firedrill restore: ${restored.nodes.filter((n) => n.restored).length}/${restored.nodes.length} nodes`);

  // (b) what an operator's script does: cordon the zone, then kubectl drain node after node.
  placementSeconds.push(await placeInZone(kc, size, zoneSet, others, true, progress));
  const kargs = ['--kubeconfig', kubeconfigPath];
  const b = await measure(kc, 'kubectl', zoneSet, guarded, async () => {
    await exec(kubectl, [...kargs, 'cordon', '-l', `${ZONE_LABEL}=${ZONE}`], { maxBuffer: 16 * 1024 * 1024 });
    let i = 0;
    for (const node of zone) {
      await exec(kubectl, [...kargs, 'drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=600s'], { maxBuffer: 16 * 1024 * 1024 });
      if (++i % 10 === 0) progress(`    kubectl drained ${i}/${zone.length} nodes`);
    }
    return { nodes: zone.length };
  }, progress);
  variants.push(b);
  await setUnschedulable(kc, zone, false);

  // (c) raw lower bound: cordon everything at once, fire every eviction at once, retry only PDB refusals.
  placementSeconds.push(await placeInZone(kc, size, zoneSet, others, true, progress));
  const c = await measure(kc, 'raw', zoneSet, guarded, async () => {
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
    return { evictionCalls: calls, refused };
  }, progress);
  variants.push(c);
  await setUnschedulable(kc, zone, false);

  const notes: string[] = [];
  const keys = new Set([...Object.keys(a.perDeployment), ...Object.keys(b.perDeployment)]);
  for (const k of keys) {
    if (a.perDeployment[k] !== b.perDeployment[k]) notes.push(`${k}: firedrill ${a.perDeployment[k] ?? 0}, kubectl ${b.perDeployment[k] ?? 0}`);
  }
  for (const v of variants) {
    if (v.daemonPodsEvicted) notes.push(`${v.variant} evicted ${v.daemonPodsEvicted} DaemonSet pod(s)`);
    if (v.evicted !== v.evictable) notes.push(`${v.variant} evicted ${v.evicted} of ${v.evictable} evictable pods`);
    if (v.newcomersInZone) notes.push(`${v.variant}: ${v.newcomersInZone} pod(s) landed in the zone during the drain`);
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    nodes: zone.length,
    pods: size.deployments * size.replicas,
    deployments: size.deployments,
    replicas: size.replicas,
    pdbs,
    variants,
    ratios: { firedrillVsKubectl: round(b.evictedMs / a.evictedMs), firedrillThroughputVsRaw: round(c.evictedMs / a.evictedMs) },
    sameEvictedSet: notes.length === 0,
    sameSetNotes: notes,
    rss,
    placementSeconds,
  };
}
