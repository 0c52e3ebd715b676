import type { WorkloadRef } from '../../drills/schema/index.js';
import type { LabelSelector } from '../census/model.js';
import { matchesLabelSelector } from '../census/selectors.js';

// Kubernetes capacity recovery: a workload has recovered when it again has its desired number
// of ready replicas, all of them outside the target. The objects come from watches
// (capacity-watch.ts); this is what is counted from them.

export interface CapacityState {
  workload: WorkloadRef;
  desired: number;
  readyOutside: number;
  recovered: boolean;
  error?: string;
  /** The API could not be asked (throttled, erroring, unreachable): no observation this tick. */
  unknown?: boolean;
}

/** What capacity needs of a workload: the replicas it wants, and which pods are its. */
export interface WorkloadSlim {
  desired: number;
  selector?: LabelSelector;
}

/** What capacity needs of a pod; labels because a workload's pods are those its selector matches. */
export interface PodSlim {
  namespace: string;
  name: string;
  node: string;
  ready: boolean;
  labels: Record<string, string>;
}

/**
 * A pod or workload as a list (typed, dates parsed) or a watch event (plain JSON) has it: every
 * field capacity reads, which both spell alike, and the name and namespace (the cache's key).
 */
export interface ObjectLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  spec?: { replicas?: number; selector?: LabelSelector; nodeName?: string };
  status?: { desiredNumberScheduled?: number; conditions?: Array<{ type?: string; status?: string }> };
}

/**
 * A listed object cut down to ObjectLike, page by page: a list of thousands of pods as client
 * objects would otherwise be held whole until every page has arrived.
 */
export function thinObject(obj: unknown): ObjectLike {
  const o = obj as ObjectLike;
  const m = o.metadata;
  const ready = o.status?.conditions?.filter((c) => c.type === 'Ready').map((c) => ({ type: c.type, status: c.status }));
  return {
    metadata: {
      ...(m?.name !== undefined ? { name: m.name } : {}), ...(m?.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m?.labels ? { labels: m.labels } : {}), ...(m?.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    spec: {
      ...(o.spec?.replicas !== undefined ? { replicas: o.spec.replicas } : {}), ...(o.spec?.selector ? { selector: o.spec.selector } : {}),
      ...(o.spec?.nodeName !== undefined ? { nodeName: o.spec.nodeName } : {}),
    },
    status: {
      ...(o.status?.desiredNumberScheduled !== undefined ? { desiredNumberScheduled: o.status.desiredNumberScheduled } : {}),
      ...(ready ? { conditions: ready } : {}),
    },
  };
}

export function workloadSlim(kind: WorkloadRef['kind'], obj: unknown): WorkloadSlim {
  const o = obj as ObjectLike;
  // A DaemonSet wants a pod on every node it schedules to; the others say how many.
  const desired = kind === 'DaemonSet' ? o.status?.desiredNumberScheduled ?? 0 : o.spec?.replicas ?? 1;
  return { desired, ...(o.spec?.selector ? { selector: o.spec.selector } : {}) };
}

export function isReady(pod: unknown): boolean {
  const p = pod as ObjectLike;
  return !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

export function podSlim(obj: unknown): PodSlim {
  const p = obj as ObjectLike;
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    node: p.spec?.nodeName ?? '',
    ready: isReady(p),
    labels: { ...p.metadata?.labels },
  };
}

/** One workload's capacity from its object and the pods of its namespace. */
export function capacityOf(workload: WorkloadRef, w: WorkloadSlim, pods: readonly PodSlim[], targetNodes: Set<string>): CapacityState {
  // No selector selects every pod of the namespace, as the label selector "" did when listing.
  const selector = w.selector ?? {};
  let readyOutside = 0;
  // An indexed loop: it runs for every pod, workload and tick, and for-of here was measured to
  // allocate an iterator result per pod (bench/census-cost.ts).
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i] as PodSlim;
    if (p.namespace === workload.namespace && p.ready && !targetNodes.has(p.node) && matchesLabelSelector(p.labels, selector)) readyOutside++;
  }
  const recovered = readyOutside >= w.desired;
  return { workload, desired: w.desired, readyOutside, recovered, ...(recovered ? {} : { error: `${readyOutside}/${w.desired} ready outside the target` }) };
}
