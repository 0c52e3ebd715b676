import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { readItemPage, type ItemPageQuery } from '../kube/item-pages.js';
import { withApiRetry, type RetryCounter } from '../kube/retry.js';

// The pods a drain evicts, listed node by node (a field selector, so the API server filters)
// page by page, and kept only as the few fields the drain needs: a full pod object is kilobytes
// (spec, status, managedFields), and a zone of 3,000 pods held as objects was most of the
// worker's growth during a drain. Each page is digested and dropped; read through
// `itemPodPages`, each pod is digested as it is parsed, so a page's objects never live together.

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

/** Reads one page of pods, handing each pod over as it is read; returns the continue token. */
export type PodPages = (query: ItemPageQuery, onPod: (pod: k8s.V1Pod) => void) => Promise<{ _continue?: string }>;

/** Pages through the generated client (its objects, a page at a time). */
export const clientPodPages = (core: k8s.CoreV1Api): PodPages => async (query, onPod) => {
  const page = await core.listPodForAllNamespaces(query);
  for (const pod of page.items) onPod(pod);
  return page.metadata?._continue ? { _continue: page.metadata._continue } : {};
};

/** Pages parsed pod by pod (kube/item-pages.ts); the pods are the server's JSON, its dates strings, which classifyPod only tests for presence. */
export const itemPodPages = (kc: k8s.KubeConfig): PodPages => (query, onPod) =>
  readItemPage(kc, '/api/v1/pods', query, (item) => onPod(item as k8s.V1Pod));

/** Page size of the per-node lists: a node's pods rarely fill one, and a page is dropped once read. */
export const POD_PAGE = 100;

/** The pods on the nodes, classified and trimmed page by page. */
export async function podsToDrain(pages: PodPages, nodes: string[], protectedNamespaces: string[], counter: RetryCounter,
  concurrency: number): Promise<PodsToDrain> {
  const out: PodsToDrain = { toEvict: [], skipped: 0, refused: [] };
  // Each attempt at a page collects its own digest: a page retried after a failure halfway
  // through must not count the pods it had already handed over.
  const readPage = async (query: ItemPageQuery) => {
    const seen: Array<{ pod: PodRef; as: Skip }> = [];
    const res = await pages(query, (pod) => seen.push({ pod: podRef(pod), as: classifyPod(pod, protectedNamespaces) }));
    return { seen, cont: res._continue };
  };
  const limit = pLimit(Math.max(1, Math.min(concurrency, 20)));
  await Promise.all(nodes.map((node) => limit(async () => {
    let cont: string | undefined;
    do {
      const query = { fieldSelector: `spec.nodeName=${node}`, limit: POD_PAGE, ...(cont ? { _continue: cont } : {}) };
      const page = await withApiRetry(() => readPage(query), counter);
      for (const { pod, as } of page.seen) {
        if (!as.skip) out.toEvict.push(pod);
        else {
          out.skipped++;
          if (as.reason) out.refused.push({ pod, reason: as.reason });
        }
      }
      cont = page.cont;
    } while (cont);
  })));
  return out;
}
