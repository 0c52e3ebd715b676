import type * as k8s from '@kubernetes/client-node';

// Every node a drill changes carries a label (so restore and the janitor can find it with one
// list call) and annotations recording who changed it, what it was before, who owns the mark
// and by when it must be put back, so restore undoes exactly this run's change and nothing else.
// This module is pure (no Node APIs): the janitor workflow uses its rules too.

export const RUN_LABEL = 'firedrill.dev/run';
/** The run id again: a removed or edited label does not hide the mark. */
export const RUN_ANNOTATION = 'firedrill.dev/run-id';
export const WORKFLOW_ANNOTATION = 'firedrill.dev/workflow-id';
export const PRIOR_ANNOTATION = 'firedrill.dev/prior';
export const ACTIONS_ANNOTATION = 'firedrill.dev/actions';
/** JSON {namespace, taskQueue, cluster}: the Temporal namespace and task queue of the run, and the cluster's identity. */
export const OWNER_ANNOTATION = 'firedrill.dev/owner';
/** ISO time: past it, any janitor restores the mark, whether its run still runs or not. */
export const RESTORE_BY_ANNOTATION = 'firedrill.dev/restore-by';
export const MARKED_AT_ANNOTATION = 'firedrill.dev/marked-at';
/** The node object the mark was written on: a node recreated under the same name is another node. */
export const NODE_UID_ANNOTATION = 'firedrill.dev/node-uid';
/** Checksum of the mark's annotations: an edited mark is told from an intact one. */
export const DIGEST_ANNOTATION = 'firedrill.dev/mark-digest';
/** Set by an operator during a drill: restore (and the janitor) leave the node cordoned. */
export const KEEP_CORDONED_ANNOTATION = 'firedrill.dev/keep-cordoned';
export const TAINT_KEY = 'firedrill.dev/power-loss';
/** The field manager of every node patch: managedFields then tell the drill's changes from others'. */
export const FIELD_MANAGER = 'firedrill';

/**
 * restore-by = first change + timing.maxDuration + this grace. The workflow caps the fault at
 * maxDuration and then restores in seconds; the grace leaves room for a restore that waits out
 * an unreachable API server or a replaced worker, and ends well before anyone would notice a
 * forgotten node. With the janitor every five minutes a stuck run's nodes are back within
 * maxDuration + 20 minutes.
 */
export const RESTORE_GRACE_MS = 15 * 60_000;

/** The mark annotations, in digest order. */
export const MARK_ANNOTATIONS = [
  RUN_ANNOTATION, WORKFLOW_ANNOTATION, PRIOR_ANNOTATION, ACTIONS_ANNOTATION, OWNER_ANNOTATION,
  RESTORE_BY_ANNOTATION, MARKED_AT_ANNOTATION, NODE_UID_ANNOTATION,
] as const;

export interface PriorState {
  unschedulable: boolean;
  /** The node's taints and labels before the drill: what others change meanwhile is told from them. */
  taints?: Array<{ key: string; value?: string; effect: string }>;
  labels?: Record<string, string>;
}

export type NodeAction = 'cordon' | 'taint';

export interface MarkOwner {
  /** Temporal namespace of the run. */
  namespace: string;
  taskQueue: string;
  /** The cluster's identity: the UID of its kube-system namespace. */
  cluster: string;
}

export interface NodeMark {
  runId: string;
  workflowId: string;
  prior: PriorState;
  actions: NodeAction[];
  owner?: MarkOwner;
  restoreBy?: string;
  markedAt?: string;
  nodeUid?: string;
  /** The run label is still on the node. */
  labelled: boolean;
  /** Why the mark cannot be trusted as it reads (missing, malformed or edited parts); empty when intact. */
  problems: string[];
  /** The subset of problems that make its prior state or actions unreliable. */
  untrusted: string[];
  /** Edits that do not stop the mark from being acted on (the run label removed). */
  notes: string[];
}

/** FNV-1a, 32 bit: enough to notice an edit (this is no defence against forgery). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function markDigest(annotations: Record<string, string | undefined>): string {
  return fnv1a(JSON.stringify(MARK_ANNOTATIONS.map((k) => annotations[k] ?? null)));
}

export interface MarkFields {
  runId: string;
  workflowId: string;
  prior: PriorState;
  actions: NodeAction[];
  owner: MarkOwner;
  restoreBy: string;
  markedAt: string;
  nodeUid: string;
}

/** The annotations of a mark, digest included. */
export function markAnnotations(m: MarkFields): Record<string, string> {
  const ann: Record<string, string> = {
    [RUN_ANNOTATION]: m.runId,
    [WORKFLOW_ANNOTATION]: m.workflowId,
    [PRIOR_ANNOTATION]: JSON.stringify(m.prior),
    [ACTIONS_ANNOTATION]: m.actions.join(','),
    [OWNER_ANNOTATION]: JSON.stringify({ namespace: m.owner.namespace, taskQueue: m.owner.taskQueue, cluster: m.owner.cluster }),
    [RESTORE_BY_ANNOTATION]: m.restoreBy,
    [MARKED_AT_ANNOTATION]: m.markedAt,
    [NODE_UID_ANNOTATION]: m.nodeUid,
  };
  return { ...ann, [DIGEST_ANNOTATION]: markDigest(ann) };
}

/** Null for every mark annotation: a merge patch with it removes the mark. */
export function clearedMarkAnnotations(): Record<string, null> {
  return Object.fromEntries([...MARK_ANNOTATIONS, DIGEST_ANNOTATION].map((k) => [k, null]));
}

const isIsoTime = (s: string | undefined): boolean => s !== undefined && /^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(Date.parse(s));

function parseOwner(text: string | undefined, problems: string[]): MarkOwner | undefined {
  if (text === undefined) {
    problems.push('the mark names no owner (written by an older firedrill, or the annotation was removed)');
    return undefined;
  }
  try {
    const o = JSON.parse(text) as Partial<MarkOwner>;
    if (typeof o === 'object' && o && [o.namespace, o.taskQueue, o.cluster].every((v) => typeof v === 'string' && v.length > 0)) {
      return { namespace: o.namespace as string, taskQueue: o.taskQueue as string, cluster: o.cluster as string };
    }
  } catch {
    // reported below
  }
  problems.push(`the mark's owner is malformed (${OWNER_ANNOTATION}: ${JSON.stringify(text.slice(0, 120))})`);
  return undefined;
}

/**
 * The firedrill mark on a node, if any: found by the run label or the run-id annotation. A mark
 * that does not read cleanly is returned with its problems listed, never dropped.
 */
export function readMark(node: k8s.V1Node): NodeMark | undefined {
  const label = node.metadata?.labels?.[RUN_LABEL];
  const ann = node.metadata?.annotations ?? {};
  const annotated = ann[RUN_ANNOTATION];
  if (!label && !annotated) return undefined;
  const problems: string[] = [];
  const untrusted: string[] = [];
  const distrust = (why: string) => { problems.push(why); untrusted.push(why); };
  if (label && annotated && label !== annotated) distrust(`the run label (${label}) and the run-id annotation (${annotated}) disagree: one was edited`);
  const notes: string[] = [];
  if (!label) notes.push('its run label was removed by someone else (the annotations remain)');
  const runId = annotated ?? label ?? '';
  // Temporal run ids are UUIDs; anything else cannot be asked about (the server refuses it).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId)) problems.push(`the run id ${JSON.stringify(runId.slice(0, 80))} is not a Temporal run id`);

  const workflowId = ann[WORKFLOW_ANNOTATION] ?? '';
  if (!workflowId) problems.push('the mark names no workflow id');
  let prior: PriorState = { unschedulable: false };
  try {
    const p = JSON.parse(ann[PRIOR_ANNOTATION] ?? '') as Partial<PriorState>;
    if (typeof p?.unschedulable !== 'boolean') throw new Error('no unschedulable');
    prior = { unschedulable: p.unschedulable };
    if (Array.isArray(p.taints)) prior.taints = p.taints.filter((t) => typeof t?.key === 'string' && typeof t?.effect === 'string');
    if (p.labels && typeof p.labels === 'object') prior.labels = Object.fromEntries(Object.entries(p.labels).filter(([, v]) => typeof v === 'string'));
  } catch {
    distrust(`the prior state is missing or malformed (${PRIOR_ANNOTATION})`);
  }
  const rawActions = (ann[ACTIONS_ANNOTATION] ?? '').split(',').filter(Boolean);
  const actions = rawActions.filter((a): a is NodeAction => a === 'cordon' || a === 'taint');
  if (actions.length !== rawActions.length || actions.length === 0) distrust(`the actions are missing or malformed (${ACTIONS_ANNOTATION}: ${JSON.stringify(ann[ACTIONS_ANNOTATION] ?? '')})`);

  const mark: NodeMark = { runId, workflowId, prior, actions, labelled: Boolean(label), problems, untrusted, notes };
  // Marks written before owners and deadlines existed carry neither: report them, do not guess.
  const owner = parseOwner(ann[OWNER_ANNOTATION], problems);
  if (owner) mark.owner = owner;
  const restoreBy = ann[RESTORE_BY_ANNOTATION];
  if (restoreBy !== undefined && isIsoTime(restoreBy)) mark.restoreBy = new Date(Date.parse(restoreBy)).toISOString();
  else problems.push(restoreBy === undefined ? 'the mark has no restore-by deadline' : `the restore-by deadline is malformed (${JSON.stringify(restoreBy.slice(0, 60))})`);
  const markedAt = ann[MARKED_AT_ANNOTATION];
  if (markedAt !== undefined && isIsoTime(markedAt)) mark.markedAt = markedAt;
  if (ann[NODE_UID_ANNOTATION]) mark.nodeUid = ann[NODE_UID_ANNOTATION];
  const digest = ann[DIGEST_ANNOTATION];
  // Marks from before the run-id annotation have no digest: only their parse is checked.
  if (annotated && digest !== undefined && digest !== markDigest(ann)) distrust('the mark\'s annotations were edited by someone else (its digest does not match)');
  else if (annotated && digest === undefined) distrust('the mark\'s digest was removed');
  return mark;
}

/** True when the mark's deadline has passed at `nowMs`. */
export function pastDeadline(mark: Pick<NodeMark, 'restoreBy'>, nowMs: number): boolean {
  return mark.restoreBy !== undefined && Date.parse(mark.restoreBy) <= nowMs;
}

/** The taint power-loss adds: pods without a matching toleration are killed at once. */
export function powerLossTaint(runId: string): k8s.V1Taint {
  return { key: TAINT_KEY, value: runId, effect: 'NoExecute' };
}

/** This run's own taint: its key and the run id as its value. */
export function isRunTaint(t: k8s.V1Taint, runId: string): boolean {
  return t.key === TAINT_KEY && t.value === runId;
}
