import * as k8s from '@kubernetes/client-node';
import { sendQuiet } from '../kube/quiet-request.js';
import { listAll, statusOf, withApiRetry, type RetryCounter } from '../kube/retry.js';
import {
  clearedMarkAnnotations, FIELD_MANAGER, isRunTaint, KEEP_CORDONED_ANNOTATION, markAnnotations, powerLossTaint, readMark, RUN_LABEL,
  RUN_ANNOTATION, TAINT_KEY, type MarkOwner, type NodeAction, type PriorState,
} from './marks.js';

// Node patches are merge patches carrying the resourceVersion that was read, so a concurrent
// change by someone else makes the patch fail (409) and is re-read instead of overwritten. They
// name their field manager, so managedFields tell the drill's changes from everyone else's.
// A caller that has just listed the nodes passes the listed object: one request per node
// instead of two, and a node that changed since the list costs one 409 and a read.

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Sends one node's merge patch; the answer (the whole node) is not needed. */
export type NodePatch = (name: string, body: object) => Promise<unknown>;

export const clientNodePatch = (core: k8s.CoreV1Api): NodePatch => (name, body) =>
  core.patchNode({ name, body, fieldManager: FIELD_MANAGER }, MERGE);

/** The same patch, its answer discarded unparsed (kube/quiet-request.ts): an inject patches up to hundreds of nodes at once. */
export const quietNodePatch = (kc: k8s.KubeConfig): NodePatch => (name, body) =>
  sendQuiet(kc, { method: 'PATCH', path: `/api/v1/nodes/${encodeURIComponent(name)}`, query: { fieldManager: FIELD_MANAGER }, body, contentType: k8s.PatchStrategy.MergePatch });

export class NodeHeldError extends Error {
  constructor(node: string, otherRun: string) {
    super(`node ${node} is already held by another drill run (${otherRun}); refusing to touch it`);
    this.name = 'NodeHeldError';
  }
}

export interface ApplyOutcome {
  name: string;
  actions: NodeAction[];
  wasCordoned: boolean;
  /** The node object changed: restore leaves a node recreated under the same name alone. */
  uid?: string;
  /** The node was deleted before the drill reached it: skipped. */
  gone?: boolean;
}

export interface ApplyRun {
  runId: string;
  workflowId: string;
  taint: boolean;
  owner: MarkOwner;
  /** ISO: the mark's dead-man deadline. */
  restoreBy: string;
  /** ISO: the drill's first change. */
  markedAt: string;
}

/**
 * Cordons (and for power-loss taints) one node and marks it with this run. Idempotent: a node
 * already marked by this run is left as it is; a node that needs no change is not marked; a
 * node that no longer exists is skipped (retrying cannot bring it back).
 */
export async function applyToNode(core: k8s.CoreV1Api, name: string, run: ApplyRun, counter: RetryCounter,
  opts: { known?: k8s.V1Node; patch?: NodePatch } = {}): Promise<ApplyOutcome> {
  const gone: ApplyOutcome = { name, actions: [], wasCordoned: false, gone: true };
  const patch = opts.patch ?? clientNodePatch(core);
  let listed = opts.known;
  for (let attempt = 0; attempt < 10; attempt++) {
    let node: k8s.V1Node;
    try {
      node = listed ?? await withApiRetry(() => core.readNode({ name }), counter);
    } catch (err) {
      if (statusOf(err) === 404) return gone;
      throw err;
    }
    listed = undefined;
    const uid = node.metadata?.uid;
    const mark = readMark(node);
    const wasCordoned = Boolean(node.spec?.unschedulable);
    if (mark) {
      if (mark.runId !== run.runId) throw new NodeHeldError(name, mark.workflowId || mark.runId);
      return { name, actions: mark.actions, wasCordoned: mark.prior.unschedulable, ...(uid ? { uid } : {}) };
    }
    const actions: NodeAction[] = [];
    if (!wasCordoned) actions.push('cordon');
    const taints = node.spec?.taints ?? [];
    if (run.taint && !taints.some((t) => t.key === TAINT_KEY)) actions.push('taint');
    // A node that is already cordoned and needs no taint is not ours to mark.
    if (actions.length === 0) return { name, actions, wasCordoned, ...(uid ? { uid } : {}) };
    const body = {
      metadata: {
        resourceVersion: node.metadata?.resourceVersion,
        labels: { [RUN_LABEL]: run.runId },
        annotations: markAnnotations({
          runId: run.runId, workflowId: run.workflowId, actions,
          prior: {
            unschedulable: wasCordoned,
            taints: taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
            labels: { ...node.metadata?.labels },
          },
          owner: run.owner, restoreBy: run.restoreBy, markedAt: run.markedAt, nodeUid: uid ?? '',
        }),
      },
      spec: {
        unschedulable: true,
        ...(actions.includes('taint') ? { taints: [...taints, powerLossTaint(run.runId)] } : {}),
      },
    };
    try {
      await withApiRetry(() => patch(name, body), counter);
      return { name, actions, wasCordoned, ...(uid ? { uid } : {}) };
    } catch (err) {
      if (statusOf(err) === 409) continue;
      if (statusOf(err) === 404) return gone;
      throw err;
    }
  }
  throw new Error(`node ${name} kept changing under us; gave up after 10 attempts`);
}

/** What the workflow itself recorded about a node it changed: used when the marks disagree. */
export interface ChangedNode {
  name: string;
  uid?: string;
  actions: NodeAction[];
  wasCordoned: boolean;
}

export interface RestoreOutcome {
  name: string;
  restored: boolean;
  note?: string;
  /** How someone else edited the node's mark (the report lists it). */
  edited?: string[];
  /** What restore left as someone else set it: their taints, labels, a cordon they keep. */
  leftAsIs?: string[];
}

export interface RestoreOptions {
  /** The workflow's own record of its change to this node. */
  record?: ChangedNode;
  /** Use the mark as it reads even when it does not verify (an operator vouched for it). */
  trustMarks?: boolean;
  /** The node as a list just read it: the first attempt patches against it instead of reading it again. */
  known?: k8s.V1Node;
}

const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Date.parse(String(t)));

/** The cordon's own taint: the node controller adds and removes it with the cordon. */
export const CORDON_TAINT = 'node.kubernetes.io/unschedulable';

/**
 * What someone other than this run changed on the node since it was marked, told from the
 * prior state the mark recorded, each with who did it where managedFields say (to the second;
 * status updates are not changes): taints and labels added, changed or removed, an uncordon.
 */
export function othersChanges(node: k8s.V1Node, prior: PriorState, since: string | undefined, runId: string): string[] {
  if (!prior.taints && !prior.labels) return [];
  const from = since ? Math.floor(Date.parse(since) / 1000) * 1000 : 0;
  const entries = (node.metadata?.managedFields ?? [])
    .filter((m) => m.manager && m.manager !== FIELD_MANAGER && !m.subresource && m.time && ms(m.time) >= from);
  const who = (has: (f: Record<string, Record<string, Record<string, unknown>> | undefined>) => boolean) => {
    const names = [...new Set(entries.filter((m) => has((m.fieldsV1 ?? {}) as Record<string, Record<string, Record<string, unknown>> | undefined>)).map((m) => m.manager as string))].sort();
    return names.length ? names.join(', ') : 'someone else';
  };
  const out: string[] = [];
  if (prior.taints) {
    const key = (t: { key: string; value?: string; effect?: string }) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
    const mine = (t: k8s.V1Taint) => isRunTaint(t, runId) || t.key === CORDON_TAINT;
    const before = new Set(prior.taints.filter((t) => t.key !== CORDON_TAINT).map(key));
    const now = new Set((node.spec?.taints ?? []).filter((t) => !mine(t)).map(key));
    const added = [...now].filter((t) => !before.has(t));
    const removed = [...before].filter((t) => !now.has(t));
    const by = who((f) => Boolean(f['f:spec']?.['f:taints']));
    if (added.length) out.push(`taint ${added.join(', ')} added by ${by} during the drill: left as it is`);
    if (removed.length) out.push(`taint ${removed.join(', ')} removed by ${by} during the drill: left removed`);
  }
  if (prior.labels) {
    const now = { ...node.metadata?.labels };
    delete now[RUN_LABEL];
    const keys = [...new Set([...Object.keys(prior.labels), ...Object.keys(now)])].filter((k) => k !== RUN_LABEL && prior.labels?.[k] !== now[k]).sort();
    if (keys.length) {
      const by = who((f) => keys.some((k) => f['f:metadata']?.['f:labels']?.[`f:${k}`] !== undefined));
      out.push(`label ${keys.map((k) => (now[k] === undefined ? `${k} (removed)` : `${k}=${now[k]}`)).join(', ')} set by ${by} during the drill: left as it is`);
    }
  }
  return out;
}

function outcome(name: string, parts: { wasCordoned?: boolean; edited?: string[]; leftAsIs?: string[]; extra?: string[] }): RestoreOutcome {
  const notes = [
    ...(parts.wasCordoned ? ['was cordoned before the drill: left cordoned'] : []),
    ...(parts.extra ?? []),
    ...(parts.edited?.length ? [`mark edited by someone else: ${parts.edited.join('; ')}`] : []),
    ...(parts.leftAsIs ?? []),
  ];
  return {
    name, restored: true,
    ...(notes.length ? { note: notes.join('; ') } : { note: undefined }),
    ...(parts.edited?.length ? { edited: parts.edited } : {}),
    ...(parts.leftAsIs?.length ? { leftAsIs: parts.leftAsIs } : {}),
  };
}

/**
 * Undoes this run's change to one node: removes its taint, uncordons only if the node was
 * schedulable before (and no operator asked to keep it cordoned), and removes the marks. What
 * others changed meanwhile stays. A node without this run's mark is not touched, except for
 * this run's own taint; a node recreated under the same name is another node and is left alone.
 */
export async function restoreNode(core: k8s.CoreV1Api, name: string, runId: string, counter: RetryCounter, opts: RestoreOptions = {}): Promise<RestoreOutcome> {
  // A patch whose answer was lost may have landed: the re-read then finds the mark gone, and
  // that is this call's own restore, not "nothing to do".
  const sent = { patched: false, prior: false };
  const record = opts.record;
  let listed = opts.known;
  for (let attempt = 0; attempt < 10; attempt++) {
    let node: k8s.V1Node;
    try {
      node = listed ?? await withApiRetry(() => core.readNode({ name }), counter);
    } catch (err) {
      if (statusOf(err) === 404) return { name, restored: true, note: 'node no longer exists' };
      throw err;
    }
    listed = undefined;
    const uid = node.metadata?.uid;
    const mark = readMark(node);
    const ours = mark !== undefined && (mark.runId === runId || node.metadata?.labels?.[RUN_LABEL] === runId);
    const taints = node.spec?.taints ?? [];
    const otherTaints = taints.filter((t) => !isRunTaint(t, runId));
    const recreated = (record?.uid && uid && uid !== record.uid) || (ours && mark.nodeUid && uid && uid !== mark.nodeUid);
    if (recreated) {
      return {
        name, restored: true,
        note: 'deleted and recreated since the drill changed it (another UID): the node now under this name is not the one the drill changed, left as it is',
      };
    }
    let body: object;
    let result: RestoreOutcome;
    if (!ours) {
      if (sent.patched && !mark) return restoredNote(name, sent.prior);
      if (!record) return { name, restored: true, note: 'no change of this run on the node' };
      // The workflow changed this node but its marks are gone: someone removed them by hand.
      const cordonLeft = record.actions.includes('cordon') && !record.wasCordoned && Boolean(node.spec?.unschedulable);
      const taintLeft = otherTaints.length !== taints.length;
      if (!cordonLeft && !taintLeft) return { name, restored: true, note: 'its marks were removed by someone else; nothing of this run is left on it' };
      if (!taintLeft) {
        return {
          name, restored: false,
          note: 'its marks were removed by someone else and it is still cordoned: whoever removed them may mean to keep it cordoned; check and uncordon by hand',
          edited: ['all marks removed'],
        };
      }
      // The taint carries the run id: it is unmistakably this run's.
      body = { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints: otherTaints.length ? otherTaints : null } };
      result = cordonLeft
        ? { name, restored: false, note: 'its marks were removed by someone else: removed this run\'s taint; it is still cordoned: check and uncordon by hand', edited: ['all marks removed'] }
        : { name, restored: true, note: 'its marks were removed by someone else: removed this run\'s taint', edited: ['all marks removed'] };
    } else {
      const edited = [...mark.untrusted, ...mark.notes];
      let actions = mark.actions;
      let wasCordoned = mark.prior.unschedulable;
      if (record) {
        // The workflow's own record wins over a mark someone may have edited.
        actions = record.actions;
        wasCordoned = record.wasCordoned;
      } else if (mark.untrusted.length && !opts.trustMarks) {
        return { name, restored: false, note: `its mark was edited by someone else (${mark.untrusted.join('; ')}): left as it is; check it by hand`, edited };
      }
      const leftAsIs = othersChanges(node, mark.prior, mark.markedAt, runId);
      const keep = node.metadata?.annotations?.[KEEP_CORDONED_ANNOTATION] !== undefined;
      const uncordon = actions.includes('cordon') && !wasCordoned;
      if (uncordon && keep) leftAsIs.unshift(`kept cordoned: ${KEEP_CORDONED_ANNOTATION} asks for it (annotation removed)`);
      // The request is for this drill's restore: it never outlives it to hold a later drill's cordon.
      else if (keep) leftAsIs.unshift(`${KEEP_CORDONED_ANNOTATION} removed: the drill did not cordon it`);
      body = {
        metadata: {
          resourceVersion: node.metadata?.resourceVersion,
          labels: { [RUN_LABEL]: null },
          annotations: { ...clearedMarkAnnotations(), ...(keep ? { [KEEP_CORDONED_ANNOTATION]: null } : {}) },
        },
        spec: {
          ...(uncordon && !keep ? { unschedulable: null } : {}),
          // An empty list would be dropped by some clients; null clears the field.
          taints: otherTaints.length ? otherTaints : null,
        },
      };
      sent.prior = wasCordoned;
      result = outcome(name, { wasCordoned, edited, leftAsIs });
    }
    try {
      await withApiRetry(() => {
        sent.patched = true;
        return core.patchNode({ name, body, fieldManager: FIELD_MANAGER }, MERGE);
      }, counter);
      return result;
    } catch (err) {
      if (statusOf(err) === 409) continue;
      if (statusOf(err) === 404) return { name, restored: true, note: 'node no longer exists' };
      throw err;
    }
  }
  throw new Error(`node ${name} kept changing under us during restore`);
}

function restoredNote(name: string, wasCordoned: boolean): RestoreOutcome {
  return { name, restored: true, note: wasCordoned ? 'was cordoned before the drill: left cordoned' : undefined };
}

/** Nodes carrying a run label: of one run, or of any run. */
export async function listMarkedNodes(core: k8s.CoreV1Api, counter: RetryCounter, runId?: string): Promise<k8s.V1Node[]> {
  const labelSelector = runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL;
  const res = await withApiRetry(() => core.listNode({ labelSelector }), counter);
  return res.items;
}

/** Every node, page by page. */
export function listAllNodes(core: k8s.CoreV1Api, counter: RetryCounter): Promise<k8s.V1Node[]> {
  return listAll<k8s.V1Node>((cont) => withApiRetry(() => core.listNode({ limit: 500, _continue: cont }), counter));
}

/** Nodes with a mark by label or by annotation (a removed label does not hide it), of one run or any. */
export async function listNodesWithMarks(core: k8s.CoreV1Api, counter: RetryCounter, runId?: string): Promise<k8s.V1Node[]> {
  return (await listAllNodes(core, counter)).filter((n) => hasMark(n, runId));
}

/** A mark by label or by annotation, of one run or of any. */
export function hasMark(n: k8s.V1Node, runId?: string): boolean {
  const label = n.metadata?.labels?.[RUN_LABEL];
  const ann = n.metadata?.annotations?.[RUN_ANNOTATION];
  return runId ? label === runId || ann === runId : label !== undefined || ann !== undefined;
}

/** The cluster's identity for marks: the UID of its kube-system namespace (stable for the cluster's life). */
export async function clusterIdentity(core: k8s.CoreV1Api, counter: RetryCounter): Promise<string> {
  const ns = await withApiRetry(() => core.readNamespace({ name: 'kube-system' }), counter);
  const uid = ns.metadata?.uid;
  if (!uid) throw new Error('the kube-system namespace has no UID: cannot tell which cluster this is');
  return uid;
}
