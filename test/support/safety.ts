import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { markAnnotations, readMark, RUN_LABEL, type MarkFields } from '../../activities/faults/marks.js';
import { KWOK_ANNOTATION } from '../../devstack/kube.js';
import { ensureKube } from '../../devstack/provision.js';
import type { StackStatus } from '../../devstack/stack.js';
import { eventually } from './kube.js';

// Helpers of the safety tests: nodes of their own (kwok plays them; no dev-node label and no
// zone, so no other test claims or drills them), kubectl as an operator would run it, marks
// edited as time or a person would edit them.

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const run = promisify(execFile);

export interface TestNodes {
  names: string[];
  /** `firedrill-test/<id>`: the label (=target) and NoSchedule taint every node carries. */
  key: string;
  selector: string;
  /** Creates one more node in the set (e.g. one that joins the target during a hold). */
  add(name: string): Promise<void>;
  /** Deletes every node of the set that still exists (and any added one). */
  remove(): Promise<void>;
}

function testNode(name: string, key: string, ordinal: number): k8s.V1Node {
  const resources = { cpu: '4', memory: '16Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { [key]: 'target', type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
    },
    // A range the dev nodes do not use (they take 10.64.0.0 and up per zone).
    spec: { podCIDR: `10.${200 + Math.floor(ordinal / 256)}.${ordinal % 256}.0/24`, taints: [{ key, value: 'target', effect: 'NoSchedule' }] },
    status: { allocatable: resources, capacity: resources },
  };
}

/** `count` nodes named `<prefix>-NNN`, ready (kwok), labelled and tainted for this test only. */
export async function createTestNodes(kc: k8s.KubeConfig, opts: { id: string; prefix: string; count: number; ordinalBase?: number }): Promise<TestNodes> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const key = `firedrill-test/${opts.id}`;
  const names = Array.from({ length: opts.count }, (_, i) => `${opts.prefix}-${String(i).padStart(3, '0')}`);
  const all = new Set<string>();
  let ordinal = opts.ordinalBase ?? Math.floor(Math.random() * 40) * 250;
  const add = async (name: string) => {
    all.add(name);
    await core.createNode({ body: testNode(name, key, ordinal++) });
  };
  const remove = async () => {
    await Promise.all([...all].map((name) => core.deleteNode({ name }).catch(() => undefined)));
    await eventually('the test nodes gone', async () => (await core.listNode({ labelSelector: key })).items.length === 0, 60_000, 500);
  };
  try {
    for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map(add));
    await eventually(`${names.length} test nodes ready`, async () => {
      const ready = (await core.listNode({ labelSelector: key })).items
        .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length >= names.length;
    }, 120_000, 500);
  } catch (err) {
    await remove();
    throw err;
  }
  return { names, key, selector: `${key}=target`, add, remove };
}

/** kubectl of the stack (the cached build), as an operator runs it. */
export async function kubectl(stack: StackStatus, args: string[]): Promise<string> {
  const bins = await ensureKube(() => undefined);
  const { stdout } = await run(bins.kubectl, args, { env: { ...process.env, KUBECONFIG: stack.kubeconfig } });
  return stdout;
}

/** Rewrites a node's mark as `change` says, with a valid digest (as time passing would, not a person). */
export async function rewriteMark(kc: k8s.KubeConfig, name: string, change: (m: MarkFields) => MarkFields): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const node = await core.readNode({ name });
  const m = readMark(node);
  if (!m?.owner || !m.restoreBy || !m.markedAt || !m.nodeUid) throw new Error(`node ${name} carries no complete mark`);
  const fields = change({ runId: m.runId, workflowId: m.workflowId, prior: m.prior, actions: m.actions, owner: m.owner, restoreBy: m.restoreBy, markedAt: m.markedAt, nodeUid: m.nodeUid });
  await core.patchNode({ name, body: { metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: markAnnotations(fields) } } }, MERGE);
}

/** Merge-patches a node (null removes), re-reading on conflicts. */
export async function patchNode(kc: k8s.KubeConfig, name: string, body: object): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).patchNode({ name, body }, MERGE);
}

/** The cluster's identity, as marks carry it. */
export async function clusterUid(kc: k8s.KubeConfig): Promise<string> {
  return (await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'kube-system' })).metadata?.uid ?? '';
}

/** Nodes carrying any firedrill mark annotation or label of `runId`. */
export async function nodesMarkedBy(kc: k8s.KubeConfig, runId: string): Promise<string[]> {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
  return nodes.items.filter((n) => n.metadata?.labels?.[RUN_LABEL] === runId || Object.values(n.metadata?.annotations ?? {}).includes(runId))
    .map((n) => n.metadata?.name ?? '').sort();
}
