import type * as k8s from '@kubernetes/client-node';

// Every node a drill changes carries a label (so restore and the janitor can find it with one
// list call) and annotations recording who changed it and what it was before, so restore undoes
// exactly this run's change and nothing else.

export const RUN_LABEL = 'firedrill.dev/run';
export const WORKFLOW_ANNOTATION = 'firedrill.dev/workflow-id';
export const PRIOR_ANNOTATION = 'firedrill.dev/prior';
export const ACTIONS_ANNOTATION = 'firedrill.dev/actions';
export const TAINT_KEY = 'firedrill.dev/power-loss';

export interface PriorState {
  unschedulable: boolean;
}

export type NodeAction = 'cordon' | 'taint';

export interface NodeMark {
  runId: string;
  workflowId: string;
  prior: PriorState;
  actions: NodeAction[];
}

export function readMark(node: k8s.V1Node): NodeMark | undefined {
  const runId = node.metadata?.labels?.[RUN_LABEL];
  if (!runId) return undefined;
  const ann = node.metadata?.annotations ?? {};
  let prior: PriorState = { unschedulable: false };
  try {
    prior = JSON.parse(ann[PRIOR_ANNOTATION] ?? '{}') as PriorState;
  } catch {
    // A hand-edited annotation must not block restore: assume the node was schedulable.
  }
  const actions = (ann[ACTIONS_ANNOTATION] ?? '').split(',').filter((a): a is NodeAction => a === 'cordon' || a === 'taint');
  return { runId, workflowId: ann[WORKFLOW_ANNOTATION] ?? '', prior: { unschedulable: Boolean(prior.unschedulable) }, actions };
}

/** The taint power-loss adds: pods without a matching toleration are killed at once. */
export function powerLossTaint(runId: string): k8s.V1Taint {
  return { key: TAINT_KEY, value: runId, effect: 'NoExecute' };
}
