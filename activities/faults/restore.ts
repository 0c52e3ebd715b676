import { Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { RetryCounter } from '../kube/retry.js';
import { readMark } from './marks.js';
import { listMarkedNodes, restoreNode, type RestoreOutcome } from './nodes.js';

export interface RestoreResult {
  nodes: RestoreOutcome[];
  /** Time this restore spent failing before the attempt that succeeded (API unreachable). */
  blockedMs: number;
  apiRetries: number;
}

/**
 * Restores every node marked by this run. It finds them by label rather than trusting a list
 * from the workflow, so a crash between patch and record cannot leave a node behind. Failures
 * are thrown: the workflow retries this activity until it succeeds.
 */
export function createRestoreNodes(kc: k8s.KubeConfig) {
  return async function restoreNodes(input: { runId: string; concurrency?: number }): Promise<RestoreResult> {
    const ctx = Context.current();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: 0 };
    const marked = await listMarkedNodes(core, counter, input.runId);
    let done = 0;
    const beat = setInterval(() => ctx.heartbeat({ done, total: marked.length }), 1000);
    try {
      const limit = pLimit(input.concurrency ?? 50);
      const nodes = await Promise.all(marked.map((n) => limit(async () => {
        const out = await restoreNode(core, n.metadata?.name ?? '', input.runId, counter);
        done++;
        return out;
      })));
      const blockedMs = Math.max(0, ctx.info.currentAttemptScheduledTimestampMs - ctx.info.scheduledTimestampMs);
      return { nodes, blockedMs, apiRetries: counter.retries };
    } finally {
      clearInterval(beat);
    }
  };
}

export interface MarkedRun {
  runId: string;
  workflowId: string;
  nodes: string[];
}

/** Every run that has marks on nodes, for the janitor. */
export function createListMarkedRuns(kc: k8s.KubeConfig) {
  return async function listMarkedRuns(): Promise<MarkedRun[]> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const runs = new Map<string, MarkedRun>();
    for (const node of await listMarkedNodes(core, { retries: 0 })) {
      const mark = readMark(node);
      if (!mark) continue;
      const run = runs.get(mark.runId) ?? { runId: mark.runId, workflowId: mark.workflowId, nodes: [] };
      run.nodes.push(node.metadata?.name ?? '');
      runs.set(mark.runId, run);
    }
    return [...runs.values()];
  };
}
