import * as k8s from '@kubernetes/client-node';
import type { WorkloadRef } from '../../drills/schema/index.js';
import { failureText, isTransient } from '../kube/retry.js';

// Kubernetes capacity recovery: a workload has recovered when it again has its desired number
// of ready replicas, all of them outside the target.

export interface CapacityState {
  workload: WorkloadRef;
  desired: number;
  readyOutside: number;
  recovered: boolean;
  error?: string;
  /** The API could not be asked (throttled, erroring, unreachable): no observation this tick. */
  unknown?: boolean;
}

async function readWorkload(apps: k8s.AppsV1Api, w: WorkloadRef): Promise<{ desired: number; selector?: k8s.V1LabelSelector }> {
  const { name, namespace } = w;
  switch (w.kind) {
    case 'Deployment': {
      const d = await apps.readNamespacedDeployment({ name, namespace });
      return { desired: d.spec?.replicas ?? 1, selector: d.spec?.selector };
    }
    case 'StatefulSet': {
      const s = await apps.readNamespacedStatefulSet({ name, namespace });
      return { desired: s.spec?.replicas ?? 1, selector: s.spec?.selector };
    }
    case 'ReplicaSet': {
      const r = await apps.readNamespacedReplicaSet({ name, namespace });
      return { desired: r.spec?.replicas ?? 1, selector: r.spec?.selector };
    }
    case 'DaemonSet': {
      const d = await apps.readNamespacedDaemonSet({ name, namespace });
      return { desired: d.status?.desiredNumberScheduled ?? 0, selector: d.spec?.selector };
    }
  }
}

export function selectorString(sel: k8s.V1LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export function isReady(pod: k8s.V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

/**
 * A workload that names a `context` (a standby cluster's counterpart) is counted there, with
 * kubeFor's client; the others in `kc`, the drilled cluster.
 */
export async function capacityCheck(
  kc: k8s.KubeConfig, workloads: Array<WorkloadRef & { context?: string }>, targetNodes: Set<string>, kubeFor?: (context?: string) => k8s.KubeConfig,
): Promise<CapacityState[]> {
  const clients = new Map<string | undefined, { apps: k8s.AppsV1Api; core: k8s.CoreV1Api }>();
  const clientsFor = (context: string | undefined) => {
    const key = kubeFor ? context : undefined;
    let c = clients.get(key);
    if (!c) {
      const cfg = key !== undefined && kubeFor ? kubeFor(key) : kc;
      c = { apps: cfg.makeApiClient(k8s.AppsV1Api), core: cfg.makeApiClient(k8s.CoreV1Api) };
      clients.set(key, c);
    }
    return c;
  };
  return Promise.all(workloads.map(async (w): Promise<CapacityState> => {
    const { apps, core } = clientsFor(w.context);
    try {
      const { desired, selector } = await readWorkload(apps, w);
      const pods = await core.listNamespacedPod({ namespace: w.namespace, labelSelector: selectorString(selector) });
      const readyOutside = pods.items.filter((p) => isReady(p) && !targetNodes.has(p.spec?.nodeName ?? '')).length;
      const recovered = readyOutside >= desired;
      return { workload: w, desired, readyOutside, recovered, ...(recovered ? {} : { error: `${readyOutside}/${desired} ready outside the target` }) };
    } catch (err) {
      // A flaky API says nothing about the workload: record no observation rather than a failure.
      return { workload: w, desired: 0, readyOutside: 0, recovered: false, error: failureText(err).slice(0, 160), ...(isTransient(err) ? { unknown: true } : {}) };
    }
  }));
}
