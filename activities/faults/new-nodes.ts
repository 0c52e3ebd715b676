import { CancelledFailure, Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import type { DrillSpec, FaultMode } from '../../drills/schema/index.js';
import { toNode } from '../census/convert.js';
import { selectTarget } from '../census/target.js';
import { sleep, type RetryCounter } from '../kube/retry.js';
import { drainNodes } from './drain.js';
import { applyToNode, clusterIdentity, listAllNodes, type ApplyOutcome } from './nodes.js';
import { itemPodPages } from './pod-refs.js';

// fault.includeNewNodes: a node that joins the target during the hold (an autoscaler, a repaired
// node coming back) gets the same fault as the others, so the drilled zone stays lost. The
// activity runs beside the hold until the workflow cancels it, and hands back what it faulted
// with the cancellation. Its marks are this run's like any other: restore finds them by label.

export interface FaultJoiningInput {
  runId: string;
  workflowId: string;
  mode: FaultMode;
  target: DrillSpec['target'];
  /** The nodes the drill faulted at inject: never touched again here. */
  planned: string[];
  /** The run's marks' deadline and first change, from the injection. */
  restoreBy: string;
  markedAt: string;
  concurrency: number;
  evictionTimeoutMs: number;
  gracePeriodMs?: number;
  protectedNamespaces: string[];
  /** How often the node list is read; 2 s by default. */
  pollMs?: number;
}

export interface FaultJoiningResult {
  /** Nodes that joined the target during the hold and were faulted, in order. */
  nodes: ApplyOutcome[];
  evicted: number;
  apiRetries: number;
}

const DEFAULT_POLL_MS = 2000;

export function createFaultJoiningNodes(kc: k8s.KubeConfig) {
  return async function faultJoiningNodes(input: FaultJoiningInput): Promise<FaultJoiningResult> {
    const ctx = Context.current();
    const prior = ctx.info.heartbeatDetails as FaultJoiningResult | undefined;
    const result: FaultJoiningResult = { nodes: [...(prior?.nodes ?? [])], evicted: prior?.evicted ?? 0, apiRetries: prior?.apiRetries ?? 0 };
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: result.apiRetries };
    const stop = new AbortController();
    ctx.cancellationSignal.addEventListener('abort', () => stop.abort(), { once: true });
    const beat = () => { result.apiRetries = counter.retries; ctx.heartbeat(result); };
    const timer = setInterval(beat, 1000);
    const seen = new Set([...input.planned, ...result.nodes.map((n) => n.name)]);
    try {
      const mark = {
        runId: input.runId, workflowId: input.workflowId, taint: input.mode === 'power-loss',
        owner: { namespace: ctx.info.namespace, taskQueue: ctx.info.taskQueue, cluster: await clusterIdentity(core, counter) },
        restoreBy: input.restoreBy, markedAt: input.markedAt,
      };
      while (!stop.signal.aborted) {
        const joined = [...selectTarget(input.target, (await listAllNodes(core, counter)).map(toNode)).names].filter((n) => !seen.has(n)).sort();
        for (const name of joined) {
          if (stop.signal.aborted) break;
          seen.add(name);
          const out = await applyToNode(core, name, mark, counter);
          if (out.gone) continue;
          result.nodes.push(out);
          beat();
          if (input.mode === 'drain') {
            const drained = await drainNodes(core, [name], {
              signal: stop.signal, pods: itemPodPages(kc), concurrency: input.concurrency, evictionTimeoutMs: input.evictionTimeoutMs,
              ...(input.gracePeriodMs !== undefined ? { gracePeriodMs: input.gracePeriodMs } : {}),
              protectedNamespaces: input.protectedNamespaces,
            }, counter);
            result.evicted += drained.evicted;
          }
        }
        await pausable(input.pollMs ?? DEFAULT_POLL_MS, stop.signal);
      }
    } finally {
      clearInterval(timer);
    }
    result.apiRetries = counter.retries;
    throw new CancelledFailure('joining nodes no longer watched', [result]);
  };
}

function pausable(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return Promise.race([sleep(ms), new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
}
