import { Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { blockedMsOf, type RetryCounter } from '../kube/retry.js';
import { readMark } from './marks.js';
import { listMarkedNodes, restoreNode, type RestoreOutcome } from './nodes.js';

export interface RestoreResult {
  nodes: RestoreOutcome[];
  /**
   * Time restore spent failing: earlier attempts of this activity (each one failed) plus, in the
   * attempt that succeeded, the time its API calls kept failing before an answer came.
   */
  blockedMs: number;
  apiRetries: number;
  /** The activity attempt that succeeded (1 = first). */
  attempt?: number;
}

interface Progress {
  done: number;
  total: number;
  /** Nodes restored by earlier attempts: a retry no longer finds their marks. */
  nodes: RestoreOutcome[];
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
    const prior = ctx.info.heartbeatDetails as Partial<Progress> | undefined;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: prior?.apiRetries ?? 0 };
    const done: RestoreOutcome[] = [...(prior?.nodes ?? [])];
    let total = done.length;
    const beat = () => ctx.heartbeat({ done: done.length, total, nodes: done, apiRetries: counter.retries } satisfies Progress);
    // Beat from the start: listing may itself wait out an unreachable API server.
    beat();
    const timer = setInterval(beat, 1000);
    try {
      const marked = await listMarkedNodes(core, counter, input.runId);
      total = done.length + marked.length;
      const limit = pLimit(input.concurrency ?? 50);
      await Promise.all(marked.map((n) => limit(async () => {
        const out = await restoreNode(core, n.metadata?.name ?? '', input.runId, counter);
        const i = done.findIndex((d) => d.name === out.name);
        if (i >= 0) done[i] = out;
        else done.push(out);
        beat();
      })));
      const earlierAttempts = Math.max(0, ctx.info.currentAttemptScheduledTimestampMs - ctx.info.scheduledTimestampMs);
      return { nodes: [...done].sort((a, b) => a.name.localeCompare(b.name)), blockedMs: earlierAttempts + blockedMsOf(counter), apiRetries: counter.retries, attempt: ctx.info.attempt };
    } finally {
      clearInterval(timer);
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
