import * as k8s from '@kubernetes/client-node';
import { matchesLabelSelector } from '../../activities/census/selectors.js';
import { RUN_LABEL } from '../../activities/faults/marks.js';
import { eventually } from './kube.js';
import { merge, type Doc } from './drill-specs.js';

// Nodes a test claims for itself, so tests sharing one cluster never drill each other's nodes.

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const ZONE = 'topology.kubernetes.io/zone';

export interface ClaimedNodes {
  names: string[];
  /** `firedrill-test/<id>`: the label (=target) and the NoSchedule taint the test put on them. */
  key: string;
  selector: string;
  toleration: k8s.V1Toleration;
  release(): Promise<void>;
}

/** Pods that belong to someone else: not DaemonSet pods, not finished, not already going. */
function isForeignPod(p: k8s.V1Pod): boolean {
  if (p.metadata?.deletionTimestamp) return false;
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return false;
  return !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet');
}

async function patchNodeWithRetry(core: k8s.CoreV1Api, name: string, change: (n: k8s.V1Node) => object | undefined): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const node = await core.readNode({ name });
    const body = change(node);
    if (!body) return;
    try {
      await core.patchNode({ name, body: merge({ metadata: { resourceVersion: node.metadata?.resourceVersion } }, body as Doc) }, MERGE);
      return;
    } catch (err) {
      if ((err as k8s.ApiException<unknown>).code !== 409) throw err;
    }
  }
  throw new Error(`node ${name} kept changing; gave up patching it`);
}

/**
 * Labels `count` schedulable dev nodes of the given zones `firedrill-test/<id>=target` and
 * taints them NoSchedule for everyone but this test's pods, then evicts other people's pods from
 * them, so a drain or a power loss there touches only what the test created. Nodes whose pods
 * a PodDisruptionBudget protects are never chosen.
 */
export async function claimNodes(kc: k8s.KubeConfig, opts: { id: string; count: number; zones: string[] }): Promise<ClaimedNodes> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const policy = kc.makeApiClient(k8s.PolicyV1Api);
  const key = `firedrill-test/${opts.id}`;
  const taint: k8s.V1Taint = { key, value: 'target', effect: 'NoSchedule' };
  const [nodes, pods, pdbs] = await Promise.all([
    core.listNode({ labelSelector: 'firedrill.dev/dev-node=true' }),
    core.listPodForAllNamespaces(),
    policy.listPodDisruptionBudgetForAllNamespaces(),
  ]);
  const guarded = (p: k8s.V1Pod) => pdbs.items.some((b) => b.metadata?.namespace === p.metadata?.namespace
    && b.spec?.selector && matchesLabelSelector(p.metadata?.labels ?? {}, b.spec.selector));
  const candidates = nodes.items
    .filter((n) => opts.zones.includes(n.metadata?.labels?.[ZONE] ?? '') && !n.spec?.unschedulable && !(n.spec?.taints?.length)
      && !Object.keys(n.metadata?.labels ?? {}).some((l) => l === RUN_LABEL || /^firedrill-(sched-)?test\//.test(l)))
    .map((n) => {
      const name = n.metadata?.name ?? '';
      const mine = pods.items.filter((p) => p.spec?.nodeName === name && isForeignPod(p));
      return { name, foreign: mine.length, guarded: mine.some(guarded) };
    })
    .filter((c) => !c.guarded)
    .sort((a, b) => a.foreign - b.foreign || a.name.localeCompare(b.name));
  if (candidates.length < opts.count) throw new Error(`only ${candidates.length} free nodes in ${opts.zones.join(', ')}; need ${opts.count}`);
  const names = candidates.slice(0, opts.count).map((c) => c.name);

  const applied: string[] = [];
  const release = async () => {
    for (const name of applied) {
      await patchNodeWithRetry(core, name, (n) => {
        const taints = (n.spec?.taints ?? []).filter((t) => t.key !== key);
        return { metadata: { labels: { [key]: null } }, spec: { taints: taints.length ? taints : null } };
      });
    }
    const left = (await core.listNode()).items
      .filter((n) => n.metadata?.labels?.[key] !== undefined || n.spec?.taints?.some((t) => t.key === key))
      .map((n) => n.metadata?.name);
    if (left.length) throw new Error(`nodes still carry ${key}: ${left.join(', ')}`);
  };
  try {
    for (const name of names) {
      await patchNodeWithRetry(core, name, (n) => ({
        metadata: { labels: { [key]: 'target' } },
        spec: { taints: [...(n.spec?.taints ?? []), taint] },
      }));
      applied.push(name);
    }
    // Other people's pods leave through the Eviction API (the chosen nodes have no PDB-guarded pods).
    for (const p of pods.items.filter((x) => names.includes(x.spec?.nodeName ?? '') && isForeignPod(x))) {
      const name = p.metadata?.name ?? '';
      const namespace = p.metadata?.namespace ?? '';
      await core.createNamespacedPodEviction({ name, namespace, body: { metadata: { name, namespace } } })
        // Gone already, or its namespace is being deleted (its pods leave by themselves).
        .catch((err: unknown) => { if (![403, 404].includes((err as k8s.ApiException<unknown>).code)) throw err; });
    }
    await eventually('claimed nodes free of other pods', async () => {
      const left = (await core.listPodForAllNamespaces()).items
        .filter((p) => names.includes(p.spec?.nodeName ?? '') && !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet'));
      return left.length === 0;
    }, 60_000, 500);
  } catch (err) {
    await release();
    throw err;
  }
  return {
    names,
    key,
    selector: `${key}=target`,
    toleration: { key, operator: 'Equal', value: 'target', effect: 'NoSchedule' },
    release,
  };
}
