import { ApplicationFailure, Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { FaultMode } from '../../drills/schema/index.js';
import type { RetryCounter } from '../kube/retry.js';
import { drainNodes, quietEvict, type NotEvicted, type PdbWait } from './drain.js';
import { RESTORE_GRACE_MS } from './marks.js';
import { applyToNode, clusterIdentity, NodeHeldError, quietNodePatch, type ApplyOutcome } from './nodes.js';
import { watchBudgets, type BudgetWatch } from './pdb-watch.js';
import { itemPodPages } from './pod-refs.js';
import { itemNodePages, readTargetNodes } from './target-nodes.js';

export interface InjectInput {
  runId: string;
  workflowId: string;
  mode: FaultMode;
  nodes: string[];
  concurrency: number;
  evictionTimeoutMs: number;
  gracePeriodMs?: number;
  protectedNamespaces: string[];
  /** timing.maxDuration: the marks' restore-by deadline is first change + this + RESTORE_GRACE_MS. */
  maxDurationMs?: number;
}

/** The deadline of runs that do not say their maxDuration (recorded before it was passed). */
const UNKNOWN_MAX_DURATION_MS = 6 * 3600_000;

export interface InjectResult {
  /**
   * T0: the fault in place on the last target node (cordoned, tainted; for drain also every
   * pod's first eviction sent). When injection was stopped before that, the moment it stopped.
   */
  t0: string;
  /** False when injection was stopped before the fault was in place on every target node. */
  t0Reached?: boolean;
  /** The first change: just before the first node patch. Detection and RTO count from here. */
  injectStartedAt?: string;
  /** Drain only: every eviction answered, or given up (eviction timeout, drill stopped). */
  drainCompletedAt?: string;
  /** The workflow cancelled the injection (maxDuration, a guardrail, an abort) before it finished. */
  stopped?: boolean;
  nodes: ApplyOutcome[];
  /** The restore-by deadline every mark of this run carries. */
  restoreBy?: string;
  /** When the cancellation reached this activity (an abort, the cap): nothing new was sent after it. */
  stoppedAt?: string;
  evicted: number;
  notEvicted: NotEvicted[];
  apiRetries: number;
}

interface Progress {
  t0?: number;
  injectStartedAt?: number;
  nodesDone: number;
  /** Pods evicted by every attempt so far: a retried attempt finds them gone and skips them. */
  evicted: number;
  apiRetries?: number;
  /** Pods a PodDisruptionBudget refused in the last eviction round, and one of them by name. */
  blocked?: number;
  waitingOn?: PdbWait;
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
    const progress: Progress = {
      nodesDone: 0, evicted: priorEvicted,
      ...(prior?.t0 ? { t0: prior.t0 } : {}),
      // The first attempt's start survives retries: that is when the first node changed.
      injectStartedAt: prior?.injectStartedAt ?? Date.now(),
    };
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: prior?.apiRetries ?? 0 };
    const beat = setInterval(() => ctx.heartbeat({ ...progress, apiRetries: counter.retries }), 1000);
    // A cancellation the workflow asked for (timing.maxDuration, a guardrail, an operator's
    // abort) stops the injection where it is, so restore follows at once; a worker shutdown does not.
    const stop = new AbortController();
    let stoppedAt: number | undefined;
    const onCancel = () => { if (ctx.cancellationDetails?.cancelRequested) { stoppedAt = Date.now(); stop.abort(); } };
    if (ctx.cancellationSignal.aborted) onCancel();
    else ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    let budgets: BudgetWatch | undefined;
    try {
      // Every mark names its owner and a dead-man deadline, so a janitor knows whose it is and
      // restores it past the deadline even if this run never reaches its own restore.
      const firstChange = progress.injectStartedAt ?? Date.now();
      const mark = {
        runId: input.runId, workflowId: input.workflowId, taint: input.mode === 'power-loss',
        owner: { namespace: ctx.info.namespace, taskQueue: ctx.info.taskQueue, cluster: await clusterIdentity(core, counter) },
        restoreBy: new Date(firstChange + (input.maxDurationMs ?? UNKNOWN_MAX_DURATION_MS) + RESTORE_GRACE_MS).toISOString(),
        markedAt: new Date(firstChange).toISOString(),
      };
      // One list of the nodes, then each one patched against what it read: one request per node.
      // fault.concurrency bounds the patches in flight in every mode, so an abort stops the
      // injection within one batch; a power cut that hits every node at once sets it to at least
      // the number of target nodes.
      const listed = await readTargetNodes(itemNodePages(kc), new Set(input.nodes), counter);
      const patch = quietNodePatch(kc);
      const limit = pLimit(input.concurrency);
      const applied = await Promise.all(input.nodes.map((name) => limit(async () => {
        if (stop.signal.aborted) return undefined;
        const known = listed.get(name);
        listed.delete(name);
        const out = await applyToNode(core, name, mark, counter, { known, patch });
        progress.nodesDone++;
        return out;
      })));
      const nodes = applied.filter((n): n is ApplyOutcome => n !== undefined);
      let evicted = priorEvicted;
      let notEvicted: NotEvicted[] = [];
      let drainCompletedAt: number | undefined;
      let reached = nodes.length === input.nodes.length;
      if (input.mode === 'drain' && !stop.signal.aborted) {
        reached = false;
        budgets = await watchBudgets(kc);
        const res = await drainNodes(core, input.nodes, {
          signal: stop.signal,
          ...(budgets ? { budgets } : {}),
          pods: itemPodPages(kc),
          evict: quietEvict(kc),
          concurrency: input.concurrency,
          evictionTimeoutMs: input.evictionTimeoutMs,
          gracePeriodMs: input.gracePeriodMs,
          protectedNamespaces: input.protectedNamespaces,
          onFirstRoundDone: () => { reached = true; progress.t0 ??= Date.now(); ctx.heartbeat({ ...progress, apiRetries: counter.retries }); },
          onProgress: (p) => {
            progress.evicted = priorEvicted + p.evicted;
            // What the live view says the drain waits for; gone once nothing is blocked.
            progress.blocked = p.blocked;
            if (p.waitingOn) progress.waitingOn = p.waitingOn;
            else delete progress.waitingOn;
          },
        }, counter);
        drainCompletedAt = Date.now();
        evicted = priorEvicted + res.evicted;
        notEvicted = res.notEvicted;
      }
      // A T0 from an earlier attempt was reached then, whatever this attempt did.
      if (prior?.t0) reached = true;
      if (reached) progress.t0 ??= Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        t0: iso(progress.t0 ?? Date.now()),
        ...(reached ? {} : { t0Reached: false }),
        injectStartedAt: iso(progress.injectStartedAt ?? Date.now()),
        ...(drainCompletedAt !== undefined ? { drainCompletedAt: iso(drainCompletedAt) } : {}),
        ...(stop.signal.aborted ? { stopped: true } : {}),
        ...(stoppedAt !== undefined ? { stoppedAt: iso(stoppedAt) } : {}),
        restoreBy: mark.restoreBy,
        nodes, evicted, notEvicted, apiRetries: counter.retries,
      };
    } catch (err) {
      if (err instanceof NodeHeldError) throw ApplicationFailure.nonRetryable(err.message, 'NodeHeld');
      throw err;
    } finally {
      budgets?.close();
      clearInterval(beat);
      ctx.cancellationSignal.removeEventListener('abort', onCancel);
    }
  };
}
