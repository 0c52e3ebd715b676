import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { ZONE_LABEL } from '../devstack/nodes.js';
import { sleep } from '../activities/kube/retry.js';

// Kubernetes helpers of the benchmarks: create-or-replace objects, wait for placement, watch a
// zone's pods. Everything here acts on the benchmark's own stack only.

export const RESTART_ANNOTATION = 'firedrill.dev/bench-restarted-at';
export const READY_DELAY_ANNOTATION = 'pod-ready.stage.kwok.x-k8s.io/delay';

export type Progress = (message: string) => void;

export async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name, labels: { 'firedrill.dev/bench': 'true' } } } });
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
  }
}

/** Deletes a namespace and waits until it and its pods are gone. */
export async function deleteNamespace(kc: k8s.KubeConfig, name: string, timeoutMs = 300_000): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.deleteNamespace({ name });
  } catch (err) {
    if (err instanceof k8s.ApiException && err.code === 404) return;
    throw err;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await core.readNamespace({ name });
    } catch (err) {
      if (err instanceof k8s.ApiException && err.code === 404) return;
    }
    await sleep(500);
  }
  throw new Error(`namespace ${name} still exists after ${timeoutMs / 1000} s`);
}

/** Create, or replace the spec of, a namespaced object (Deployment, DaemonSet, PDB, Service). */
export async function upsert(kc: k8s.KubeConfig, obj: k8s.KubernetesObject): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  try {
    await client.create(obj);
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
    await client.patch(obj, undefined, undefined, 'firedrill-bench', undefined, k8s.PatchStrategy.MergePatch);
  }
}

export async function upsertAll(kc: k8s.KubeConfig, objs: k8s.KubernetesObject[], concurrency = 10): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(objs.map((o) => limit(() => upsert(kc, o))));
}

export async function zoneNodes(kc: k8s.KubeConfig, zone: string): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNode({ labelSelector: `${ZONE_LABEL}=${zone}` });
  return list.items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
}

/** Sets spec.unschedulable on every named node (no firedrill marks: this is the benchmark's own hand). */
export async function setUnschedulable(kc: k8s.KubeConfig, nodes: string[], unschedulable: boolean, concurrency = 50): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const limit = pLimit(concurrency);
  await Promise.all(nodes.map((name) => limit(() => core.patchNode({ name, body: { spec: { unschedulable } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)))));
}

export async function setNodeLabel(kc: k8s.KubeConfig, node: string, key: string, value: string | null): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.patchNode({ name: node, body: { metadata: { labels: { [key]: value } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

export async function cordonedCount(kc: k8s.KubeConfig, nodes: Set<string>): Promise<number> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNode({});
  return list.items.filter((n) => nodes.has(n.metadata?.name ?? '') && n.spec?.unschedulable === true).length;
}

/** Rollout-restarts every Deployment of a namespace by patching a template annotation. */
export async function restartAll(kc: k8s.KubeConfig, namespace: string, names?: string[]): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const at = new Date().toISOString();
  const list = names ?? (await apps.listNamespacedDeployment({ namespace })).items.map((d) => d.metadata?.name ?? '');
  const limit = pLimit(10);
  await Promise.all(list.map((name) => limit(() => apps.patchNamespacedDeployment({
    name, namespace,
    body: { spec: { template: { metadata: { annotations: { [RESTART_ANNOTATION]: at } } } } },
  }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)))));
}

const isDaemonPod = (p: k8s.V1Pod) => p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet') ?? false;
const isReady = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export interface Placement {
  total: number;
  ready: number;
  inZone: number;
  terminating: number;
}

/** Non-DaemonSet pods of a namespace: how many exist, are ready, and sit on the given nodes. */
export async function placement(kc: k8s.KubeConfig, namespace: string, nodes: Set<string>): Promise<Placement> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods: k8s.V1Pod[] = [];
  let cont: string | undefined;
  do {
    const page = await core.listNamespacedPod({ namespace, limit: 1000, ...(cont ? { _continue: cont } : {}) });
    pods.push(...page.items);
    cont = page.metadata?._continue || undefined;
  } while (cont);
  const out: Placement = { total: 0, ready: 0, inZone: 0, terminating: 0 };
  for (const p of pods) {
    if (isDaemonPod(p)) continue;
    if (p.metadata?.deletionTimestamp) { out.terminating++; continue; }
    out.total++;
    if (isReady(p)) out.ready++;
    if (nodes.has(p.spec?.nodeName ?? '')) out.inZone++;
  }
  return out;
}

/** Waits until `want` non-DaemonSet pods are ready, none terminating, and at least `minInZone` on the nodes. */
export async function waitPlaced(kc: k8s.KubeConfig, namespace: string, nodes: Set<string>, want: number, minInZone: number,
  progress: Progress, timeoutMs: number): Promise<Placement> {
  const deadline = Date.now() + timeoutMs;
  let last: Placement = { total: 0, ready: 0, inZone: 0, terminating: 0 };
  let lastSaid = 0;
  while (Date.now() < deadline) {
    last = await placement(kc, namespace, nodes);
    if (last.total === want && last.ready === want && last.terminating === 0 && last.inZone >= minInZone) return last;
    if (Date.now() - lastSaid > 10_000) {
      progress(`  waiting for ${namespace}: ${last.ready}/${want} ready, ${last.inZone} in zone, ${last.terminating} terminating`);
      lastSaid = Date.now();
    }
    await sleep(1000);
  }
  throw new Error(`${namespace} not placed within ${timeoutMs / 1000} s: ${JSON.stringify(last)}`);
}

export interface TrackedPod {
  uid: string;
  name: string;
  app: string;
  daemon: boolean;
}

export interface ZoneWatch {
  /** Evictable (non-DaemonSet) pods on the zone's nodes when the watch started. */
  evictable: TrackedPod[];
  daemon: TrackedPod[];
  /** Resolves with the time (ms) when no evictable pod is left live on the zone's nodes. */
  empty: Promise<number>;
  /** Pods evicted (terminating or deleted) since the start, by uid. */
  evictedAt: Map<string, number>;
  /** Evictable pods that appeared on the zone's nodes after the start (should stay 0: nodes are cordoned). */
  newcomers: Set<string>;
  /** DaemonSet pods of the zone deleted or terminating since the start (must stay 0). */
  daemonEvicted(): number;
  stop(): void;
}

/**
 * Watches a namespace's pods and reports the moment no evictable pod remains live (not
 * terminating, not gone) on the zone's nodes. A watch instead of a polled list: 3,000 pods are
 * ~10 MB a list, which polling at sub-second intervals would itself load the API server with.
 * The end condition is the same for every variant.
 */
export async function watchZone(kc: k8s.KubeConfig, namespace: string, nodes: Set<string>): Promise<ZoneWatch> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const live = new Map<string, TrackedPod>(); // uid -> evictable pod live on the zone
  const evictable: TrackedPod[] = [];
  const daemon: TrackedPod[] = [];
  const evictedAt = new Map<string, number>();
  const newcomers = new Set<string>();
  const daemonGone = new Set<string>();
  let rv: string | undefined;
  let cont: string | undefined;
  do {
    const page = await core.listNamespacedPod({ namespace, limit: 1000, ...(cont ? { _continue: cont } : {}) });
    rv = page.metadata?.resourceVersion;
    for (const p of page.items) {
      if (!nodes.has(p.spec?.nodeName ?? '') || p.metadata?.deletionTimestamp) continue;
      const t: TrackedPod = { uid: p.metadata?.uid ?? '', name: p.metadata?.name ?? '', app: p.metadata?.labels?.app ?? '', daemon: isDaemonPod(p) };
      if (t.daemon) daemon.push(t);
      else { evictable.push(t); live.set(t.uid, t); }
    }
    cont = page.metadata?._continue || undefined;
  } while (cont);

  let resolveEmpty!: (t: number) => void;
  const empty = new Promise<number>((r) => { resolveEmpty = r; });
  let done = false;
  const check = () => { if (!done && live.size === 0) { done = true; resolveEmpty(Date.now()); } };
  let req: { abort(): void } | undefined;
  let stopped = false;
  const watch = new k8s.Watch(kc);
  const start = async (): Promise<void> => {
    if (stopped) return;
    req = await watch.watch(`/api/v1/namespaces/${namespace}/pods`, { resourceVersion: rv, allowWatchBookmarks: true },
      (type: string, obj: k8s.V1Pod) => {
        const now = Date.now();
        rv = obj.metadata?.resourceVersion ?? rv;
        if (type === 'BOOKMARK') return;
        const uid = obj.metadata?.uid ?? '';
        if (type === 'DELETED' || obj.metadata?.deletionTimestamp) {
          if (isDaemonPod(obj)) { if (nodes.has(obj.spec?.nodeName ?? '')) daemonGone.add(uid); } else if (!evictedAt.has(uid)) evictedAt.set(uid, now);
          live.delete(uid);
        } else if (nodes.has(obj.spec?.nodeName ?? '') && !isDaemonPod(obj) && !live.has(uid) && !evictedAt.has(uid)) {
          newcomers.add(uid);
          live.set(uid, { uid, name: obj.metadata?.name ?? '', app: obj.metadata?.labels?.app ?? '', daemon: false });
        }
        check();
      },
      () => { if (!stopped) void start().catch(() => undefined); });
  };
  await start();
  check();
  return {
    evictable, daemon, empty, evictedAt, newcomers,
    daemonEvicted: () => daemonGone.size,
    stop() { stopped = true; req?.abort(); },
  };
}

/** Lists the zone's evictable pods that are still live (for the raw lower bound). */
export async function liveEvictable(kc: k8s.KubeConfig, namespace: string, nodes: Set<string>): Promise<k8s.V1Pod[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const out: k8s.V1Pod[] = [];
  let cont: string | undefined;
  do {
    const page = await core.listNamespacedPod({ namespace, limit: 1000, ...(cont ? { _continue: cont } : {}) });
    for (const p of page.items) {
      if (nodes.has(p.spec?.nodeName ?? '') && !p.metadata?.deletionTimestamp && !isDaemonPod(p)) out.push(p);
    }
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return out;
}
