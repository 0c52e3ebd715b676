import * as k8s from '@kubernetes/client-node';
import { statusOf, withApiRetry, type RetryCounter } from '../kube/retry.js';
import {
  ACTIONS_ANNOTATION, PRIOR_ANNOTATION, RUN_LABEL, TAINT_KEY, WORKFLOW_ANNOTATION,
  powerLossTaint, readMark, type NodeAction,
} from './marks.js';

// Node patches are merge patches carrying the resourceVersion that was read, so a concurrent
// change by someone else makes the patch fail (409) and is re-read instead of overwritten.

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

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
}

/**
 * Cordons (and for power-loss taints) one node and marks it with this run. Idempotent: a node
 * already marked by this run is left as it is; a node that needs no change is not marked.
 */
export async function applyToNode(
  core: k8s.CoreV1Api,
  name: string,
  run: { runId: string; workflowId: string; taint: boolean },
  counter: RetryCounter,
): Promise<ApplyOutcome> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const node = await withApiRetry(() => core.readNode({ name }), counter);
    const mark = readMark(node);
    const wasCordoned = Boolean(node.spec?.unschedulable);
    if (mark) {
      if (mark.runId !== run.runId) throw new NodeHeldError(name, mark.workflowId || mark.runId);
      return { name, actions: mark.actions, wasCordoned: mark.prior.unschedulable };
    }
    const actions: NodeAction[] = [];
    if (!wasCordoned) actions.push('cordon');
    const taints = node.spec?.taints ?? [];
    if (run.taint && !taints.some((t) => t.key === TAINT_KEY)) actions.push('taint');
    // A node that is already cordoned and needs no taint is not ours to mark.
    if (actions.length === 0) return { name, actions, wasCordoned };
    const body = {
      metadata: {
        resourceVersion: node.metadata?.resourceVersion,
        labels: { [RUN_LABEL]: run.runId },
        annotations: {
          [WORKFLOW_ANNOTATION]: run.workflowId,
          [PRIOR_ANNOTATION]: JSON.stringify({ unschedulable: wasCordoned }),
          [ACTIONS_ANNOTATION]: actions.join(','),
        },
      },
      spec: {
        unschedulable: true,
        ...(actions.includes('taint') ? { taints: [...taints, powerLossTaint(run.runId)] } : {}),
      },
    };
    try {
      await withApiRetry(() => core.patchNode({ name, body }, MERGE), counter);
      return { name, actions, wasCordoned };
    } catch (err) {
      if (statusOf(err) === 409) continue;
      throw err;
    }
  }
  throw new Error(`node ${name} kept changing under us; gave up after 10 attempts`);
}

export interface RestoreOutcome {
  name: string;
  restored: boolean;
  note?: string;
}

/**
 * Undoes this run's change to one node: removes its taint, uncordons only if the node was
 * schedulable before, and removes the marks. A node without this run's mark is never touched.
 */
export async function restoreNode(core: k8s.CoreV1Api, name: string, runId: string, counter: RetryCounter): Promise<RestoreOutcome> {
  // A patch whose answer was lost may have landed: the re-read then finds the mark gone, and
  // that is this call's own restore, not "nothing to do".
  const sent = { patched: false, prior: false };
  for (let attempt = 0; attempt < 10; attempt++) {
    let node: k8s.V1Node;
    try {
      node = await withApiRetry(() => core.readNode({ name }), counter);
    } catch (err) {
      if (statusOf(err) === 404) return { name, restored: true, note: 'node no longer exists' };
      throw err;
    }
    const mark = readMark(node);
    if (!mark || mark.runId !== runId) {
      if (sent.patched && !mark) return restoredNote(name, sent.prior);
      return { name, restored: true, note: 'no change of this run on the node' };
    }
    const taints = (node.spec?.taints ?? []).filter((t) => !(t.key === TAINT_KEY && t.value === runId));
    const body = {
      metadata: {
        resourceVersion: node.metadata?.resourceVersion,
        labels: { [RUN_LABEL]: null },
        annotations: { [WORKFLOW_ANNOTATION]: null, [PRIOR_ANNOTATION]: null, [ACTIONS_ANNOTATION]: null },
      },
      spec: {
        ...(mark.actions.includes('cordon') ? { unschedulable: mark.prior.unschedulable ? true : null } : {}),
        // An empty list would be dropped by some clients; null clears the field.
        taints: taints.length ? taints : null,
      },
    };
    try {
      await withApiRetry(() => {
        sent.patched = true;
        sent.prior = mark.prior.unschedulable;
        return core.patchNode({ name, body }, MERGE);
      }, counter);
      return restoredNote(name, mark.prior.unschedulable);
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

/** Nodes carrying a mark: of one run, or of any run (for the janitor). */
export async function listMarkedNodes(core: k8s.CoreV1Api, counter: RetryCounter, runId?: string): Promise<k8s.V1Node[]> {
  const labelSelector = runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL;
  const res = await withApiRetry(() => core.listNode({ labelSelector }), counter);
  return res.items;
}
