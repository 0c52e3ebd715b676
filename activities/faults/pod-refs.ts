import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { forEachPage, withApiRetry, type RetryCounter } from '../kube/retry.js';

// The pods a drain evicts, listed node by node (a field selector, so the API server filters)
// page by page, and kept only as the few fields the drain needs: a full pod object is kilobytes
// (spec, status, managedFields), and a zone of 3,000 pods held as objects was most of the
// worker's growth during a drain. Each page is digested and dropped.

/** What a drain keeps of a pod: enough to evict it and to name it in the report. */
export interface PodRef {
  namespace: string;
  name: string;
  /** The eviction's precondition: a pod recreated under the same name is another pod. */
  uid: string;
  node: string;
  /** "Kind/name" of the controlling owner, when there is one. */
  owner?: string;
}

export type Skip = { skip: true; reason?: string } | { skip: false };

export function classifyPod(pod: k8s.V1Pod, protectedNamespaces: string[]): Skip {
  if (pod.metadata?.deletionTimestamp) return { skip: true };
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return { skip: true };
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return { skip: true };
  if (pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller)) return { skip: true };
  if (protectedNamespaces.includes(pod.metadata?.namespace ?? '')) {
    return { skip: true, reason: `namespace ${pod.metadata?.namespace} is protected by the drill's safety settings` };
  }
  return { skip: false };
}

export function podRef(pod: k8s.V1Pod): PodRef {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    node: pod.spec?.nodeName ?? '',
    ...(owner ? { owner: `${owner.kind}/${owner.name}` } : {}),
  };
}

export interface PodsToDrain {
  toEvict: PodRef[];
  /** Pods the drain leaves alone (DaemonSet, mirror, finished, terminating, protected). */
  skipped: number;
  /** Skipped pods the report names, with why (protected namespaces). */
  refused: Array<{ pod: PodRef; reason: string }>;
}

/** Page size of the per-node lists: a node's pods rarely fill one, and a page is dropped once read. */
export const POD_PAGE = 100;

/** The pods on the nodes, classified and trimmed page by page. */
export async function podsToDrain(core: k8s.CoreV1Api, nodes: string[], protectedNamespaces: string[], counter: RetryCounter,
  concurrency: number): Promise<PodsToDrain> {
  const out: PodsToDrain = { toEvict: [], skipped: 0, refused: [] };
  const digest = (items: k8s.V1Pod[]) => {
    for (const pod of items) {
      const c = classifyPod(pod, protectedNamespaces);
      if (!c.skip) out.toEvict.push(podRef(pod));
      else {
        out.skipped++;
        if (c.reason) out.refused.push({ pod: podRef(pod), reason: c.reason });
      }
    }
  };
  const limit = pLimit(Math.max(1, Math.min(concurrency, 20)));
  await Promise.all(nodes.map((node) => limit(() => forEachPage<k8s.V1Pod>((cont) => withApiRetry(() => core.listPodForAllNamespaces({
    fieldSelector: `spec.nodeName=${node}`, limit: POD_PAGE, ...(cont ? { _continue: cont } : {}),
  }), counter), digest))));
  return out;
}
