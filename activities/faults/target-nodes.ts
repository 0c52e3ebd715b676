import type * as k8s from '@kubernetes/client-node';
import { readItemPage, type ItemPageQuery } from '../kube/item-pages.js';
import { withApiRetry, type RetryCounter } from '../kube/retry.js';

// The inject reads the nodes once and patches each target against what it read. A node object
// is kilobytes (status: conditions, images, addresses; managedFields) and the client parses a
// whole page into its models at once, and kept every target whole. Here each node is parsed on
// its own as the page streams in (kube/item-pages.ts), and only the targets are kept, cut down to
// what a mark reads. (On its own this did not lower a 3,000-pod drain's peak: BENCHMARKS.md.)
// Dates (a taint's timeAdded) stay the strings the server sent: that is also how a patch sends them back.

/** Reads one page of nodes, handing each node over as it is parsed; returns the continue token. */
export type NodePages = (query: ItemPageQuery, onNode: (node: k8s.V1Node) => void) => Promise<{ _continue?: string }>;

export const itemNodePages = (kc: k8s.KubeConfig): NodePages => (query, onNode) =>
  readItemPage(kc, '/api/v1/nodes', query, (item) => onNode(item as k8s.V1Node));

/** What applyToNode reads of a node: identity, version, labels and annotations (the mark), cordon and taints. */
export function markFields(node: k8s.V1Node): k8s.V1Node {
  const m = node.metadata ?? {};
  return {
    metadata: {
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    spec: {
      ...(node.spec?.unschedulable !== undefined ? { unschedulable: node.spec.unschedulable } : {}),
      ...(node.spec?.taints ? { taints: node.spec.taints } : {}),
    },
  };
}

export const NODE_PAGE = 500;

/** The named nodes that exist, each cut down to markFields; every page is read and dropped. */
export async function readTargetNodes(pages: NodePages, names: ReadonlySet<string>, counter: RetryCounter): Promise<Map<string, k8s.V1Node>> {
  const out = new Map<string, k8s.V1Node>();
  let cont: string | undefined;
  do {
    const query = { limit: NODE_PAGE, ...(cont ? { _continue: cont } : {}) };
    // Each attempt keeps its own: a page retried after failing halfway adds its nodes once.
    const page = await withApiRetry(async () => {
      const kept: k8s.V1Node[] = [];
      const res = await pages(query, (node) => { if (names.has(node.metadata?.name ?? '')) kept.push(markFields(node)); });
      return { kept, cont: res._continue };
    }, counter);
    for (const node of page.kept) out.set(node.metadata?.name ?? '', node);
    cont = page.cont;
  } while (cont);
  return out;
}
