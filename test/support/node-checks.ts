import * as k8s from '@kubernetes/client-node';
import { RUN_LABEL, TAINT_KEY } from '../../activities/faults/marks.js';
import { CORDON_TAINT } from '../../activities/faults/nodes.js';

// What a drill did to nodes: snapshots, changes, and the runs still marking them.

export interface NodeState {
  name: string;
  unschedulable: boolean;
  taints: k8s.V1Taint[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: k8s.V1NodeSpec;
}

export async function snapshotNodes(kc: k8s.KubeConfig): Promise<Map<string, NodeState>> {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
  return new Map(nodes.items.map((n) => {
    const name = n.metadata?.name ?? '';
    return [name, {
      name,
      unschedulable: Boolean(n.spec?.unschedulable),
      taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      labels: { ...n.metadata?.labels },
      annotations: { ...n.metadata?.annotations },
      spec: JSON.parse(JSON.stringify(n.spec ?? {})) as k8s.V1NodeSpec,
    }];
  }));
}

const firedrillKeys = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('firedrill.dev/')).sort(([a], [b]) => a.localeCompare(b)));

/**
 * What changed on the nodes since `before`, as readable lines (empty = nothing): cordon state,
 * taints and firedrill.dev/* labels and annotations. A node marked by a run that is not one of
 * `mine` (someone's demo drill running beside the tests) is left out. `strict` also compares the
 * whole spec and every label and annotation of the nodes it names.
 */
export async function nodeChanges(
  kc: k8s.KubeConfig,
  before: Map<string, NodeState>,
  opts: { mine?: Iterable<string>; strict?: Iterable<string> } = {},
): Promise<string[]> {
  const after = await snapshotNodes(kc);
  const mine = new Set(opts.mine ?? []);
  const strict = new Set(opts.strict ?? []);
  const foreign = (s?: NodeState) => {
    const run = s?.labels[RUN_LABEL];
    return run !== undefined && !mine.has(run);
  };
  const out: string[] = [];
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) continue;
    const run = a.labels[RUN_LABEL];
    if (run !== undefined && mine.has(run)) out.push(`${name}: still marked by run ${run}`);
    for (const t of a.taints) if (t.key === TAINT_KEY && mine.has(t.value ?? '')) out.push(`${name}: still has the power-loss taint of ${t.value}`);
    if (foreign(a) || foreign(b)) continue;
    const diff = (what: string, x: unknown, y: unknown) => {
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${name}: ${what} was ${JSON.stringify(x)}, now ${JSON.stringify(y)}`);
    };
    diff('unschedulable', b.unschedulable, a.unschedulable);
    // Other test files claim and release nodes concurrently: their claim taints are not changes.
    const own = (ts: NodeState['taints']) => ts.filter((t) => !t.key.startsWith('firedrill-test/'));
    diff('taints', own(b.taints), own(a.taints));
    diff('firedrill labels', firedrillKeys(b.labels), firedrillKeys(a.labels));
    diff('firedrill annotations', firedrillKeys(b.annotations), firedrillKeys(a.annotations));
    if (strict.has(name)) {
      diff('spec', b.spec, a.spec);
      diff('labels', b.labels, a.labels);
      diff('annotations', b.annotations, a.annotations);
    }
  }
  return [...new Set(out)];
}

/**
 * nodeChanges, read again while the only differences are the cordon's taint (for up to
 * timeoutMs): the node lifecycle controller takes it off an uncordoned node a moment after the uncordon, so a
 * check right after a restore can still see it. Any other difference is returned at once.
 */
export async function settledNodeChanges(
  kc: k8s.KubeConfig,
  before: Map<string, NodeState>,
  opts: { mine?: Iterable<string>; strict?: Iterable<string> } = {},
  timeoutMs = 30_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await nodeChanges(kc, before, opts);
    if (!out.length || !out.every((line) => line.includes(CORDON_TAINT)) || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Run ids whose marks (label) are on any node right now. */
export async function markedRuns(kc: k8s.KubeConfig): Promise<Map<string, string[]>> {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode({ labelSelector: RUN_LABEL });
  const out = new Map<string, string[]>();
  for (const n of nodes.items) {
    const run = n.metadata?.labels?.[RUN_LABEL] ?? '';
    out.set(run, [...(out.get(run) ?? []), n.metadata?.name ?? ''].sort());
  }
  return out;
}
