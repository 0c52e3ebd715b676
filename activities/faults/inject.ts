import { ApplicationFailure, Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { FaultMode } from '../../drills/schema/index.js';
import type { RetryCounter } from '../kube/retry.js';
import { drainNodes, type NotEvicted } from './drain.js';
import { applyToNode, NodeHeldError, type ApplyOutcome } from './nodes.js';

export interface InjectInput {
  runId: string;
  workflowId: string;
  mode: FaultMode;
  nodes: string[];
  concurrency: number;
  evictionTimeoutMs: number;
  gracePeriodMs?: number;
  protectedNamespaces: string[];
}

export interface InjectResult {
  /** When the fault was applied to the last target node (see DESIGN: T0). */
  t0: string;
  nodes: ApplyOutcome[];
  evicted: number;
  notEvicted: NotEvicted[];
  apiRetries: number;
}

interface Progress {
  t0?: number;
  nodesDone: number;
  /** Pods evicted by every attempt so far: a retried attempt finds them gone and skips them. */
  evicted: number;
  apiRetries?: number;
}

/**
 * Applies the fault to every target node: cordon; drain = cordon + evictions; power-loss =
 * cordon + NoExecute taint. Safe to retry: nodes already marked by this run are skipped and
 * evicting a pod that is gone is a success. T0 survives a retry through the heartbeat.
 */
export function createInjectFault(kc: k8s.KubeConfig) {
  return async function injectFault(input: InjectInput): Promise<InjectResult> {
    const ctx = Context.current();
    const prior = ctx.info.heartbeatDetails as Progress | undefined;
    const priorEvicted = prior?.evicted ?? 0;
    const progress: Progress = { nodesDone: 0, evicted: priorEvicted, ...(prior?.t0 ? { t0: prior.t0 } : {}) };
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: prior?.apiRetries ?? 0 };
    const beat = setInterval(() => ctx.heartbeat({ ...progress, apiRetries: counter.retries }), 1000);
    try {
      const limit = pLimit(input.concurrency);
      const nodes = await Promise.all(input.nodes.map((name) => limit(async () => {
        const out = await applyToNode(core, name, { runId: input.runId, workflowId: input.workflowId, taint: input.mode === 'power-loss' }, counter);
        progress.nodesDone++;
        return out;
      })));
      let evicted = priorEvicted;
      let notEvicted: NotEvicted[] = [];
      if (input.mode === 'drain') {
        // A cancellation the workflow asked for (an operator's abort, a cancelled run) stops
        // waiting on PDB-blocked pods, so restore follows at once; a worker shutdown does not.
        const stop = new AbortController();
        const onCancel = () => { if (ctx.cancellationDetails?.cancelRequested) stop.abort(); };
        if (ctx.cancellationSignal.aborted) onCancel();
        else ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
        const res = await drainNodes(core, input.nodes, {
          signal: stop.signal,
          concurrency: input.concurrency,
          evictionTimeoutMs: input.evictionTimeoutMs,
          gracePeriodMs: input.gracePeriodMs,
          protectedNamespaces: input.protectedNamespaces,
          onFirstRoundDone: () => { progress.t0 ??= Date.now(); ctx.heartbeat({ ...progress, apiRetries: counter.retries }); },
          onProgress: (p) => { progress.evicted = priorEvicted + p.evicted; },
        }, counter);
        evicted = priorEvicted + res.evicted;
        notEvicted = res.notEvicted;
      }
      progress.t0 ??= Date.now();
      return { t0: new Date(progress.t0).toISOString(), nodes, evicted, notEvicted, apiRetries: counter.retries };
    } catch (err) {
      if (err instanceof NodeHeldError) throw ApplicationFailure.nonRetryable(err.message, 'NodeHeld');
      throw err;
    } finally {
      clearInterval(beat);
    }
  };
}
