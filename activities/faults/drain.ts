import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { isTransient, listAll, sleep, statusOf, withApiRetry, type RetryCounter } from '../kube/retry.js';

// Drain as `kubectl drain --ignore-daemonsets --delete-emptydir-data` does it: every pod on the
// node through the Eviction API (so PodDisruptionBudgets are respected), skipping DaemonSet and
// mirror pods, but fired in parallel across all target nodes with bounded concurrency.

export interface NotEvicted {
  namespace: string;
  pod: string;
  node: string;
  reason: string;
}

export interface DrainOptions {
  concurrency: number;
  evictionTimeoutMs: number;
  gracePeriodMs?: number;
  protectedNamespaces: string[];
  /** Aborted when the drill is stopped: PDB-blocked pods are then no longer retried. */
  signal?: AbortSignal;
  /** Called once every pod has had its first eviction attempt answered (not when stopped before). */
  onFirstRoundDone?: () => void;
  onProgress?: (p: { evicted: number; pending: number; blocked: number; waitingOn?: PdbWait }) => void;
}

export interface DrainOutcome {
  evicted: number;
  skipped: number;
  notEvicted: NotEvicted[];
}

type Skip = { skip: true; reason?: string } | { skip: false };

export function classifyPod(pod: k8s.V1Pod, protectedNamespaces: string[]): Skip {
  if (pod.metadata?.deletionTimestamp) return { skip: true };
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return { skip: true };
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return { skip: true };
  if (pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller)) return { skip: true };
  if (protectedNamespaces.includes(pod.metadata?.namespace ?? '')) {
    return { skip: true, reason: `namespace ${pod.metadata?.namespace} is protected by the drill's safety settings` };
  }
  return { skip: false };
}

export async function podsOnNodes(core: k8s.CoreV1Api, nodes: string[], counter: RetryCounter, concurrency: number): Promise<k8s.V1Pod[]> {
  const limit = pLimit(Math.max(1, Math.min(concurrency, 20)));
  const lists = await Promise.all(nodes.map((node) => limit(() => listAll<k8s.V1Pod>((cont) =>
    withApiRetry(() => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}`, limit: 500, _continue: cont }), counter)))));
  return lists.flat();
}

/** sleep that ends early when the signal aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorText(err: unknown): string {
  // The client's parsed body can be empty ({}) for a 429 while its message holds the raw Status.
  const body = (err as k8s.ApiException<unknown>).body;
  const parsed = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  const message = String((err as Error)?.message ?? '');
  return parsed && parsed !== '{}' ? `${parsed} ${message}` : message;
}

/**
 * The Eviction API refusing because of a PodDisruptionBudget: 429 (or 500 when several PDBs
 * match) with the budget named in the message. A 429 without it is throttling.
 */
export function isPdbRefusal(err: unknown): boolean {
  const code = statusOf(err);
  return (code === 429 || code === 500) && /disruption budget/i.test(errorText(err));
}

/** Any answer about PodDisruptionBudgets (several matching ones is a 500): never an API fault. */
function aboutPdbs(err: unknown): boolean {
  return statusOf(err) !== undefined && /disruption ?budget/i.test(errorText(err));
}

/** The pod a drain waits for and the budget that holds it, for the live view. */
export interface PdbWait { pod: string; budget?: string }

/** The budget's name from the Eviction API's refusal ("The disruption budget web-pdb needs ..."). */
export function budgetNamed(err: unknown): string | undefined {
  return /disruption budget ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/i.exec(errorText(err))?.[1];
}

type Attempt = { kind: 'ok' } | { kind: 'blocked'; budget?: string } | { kind: 'failed'; reason: string };

/** One eviction attempt: ok (or already gone), blocked by a PDB, or failed for another reason. */
async function evictOnce(core: k8s.CoreV1Api, pod: k8s.V1Pod, opts: DrainOptions, counter: RetryCounter): Promise<Attempt> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  const body: k8s.V1Eviction = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name, namespace },
    ...(opts.gracePeriodMs !== undefined ? { deleteOptions: { gracePeriodSeconds: Math.round(opts.gracePeriodMs / 1000) } } : {}),
  };
  try {
    // A PDB refusal is not an API fault: the drain's own loop retries it, with its own deadline.
    // Throttling (429 without the PDB message) and other 5xx are retried here.
    await withApiRetry(() => core.createNamespacedPodEviction({ name, namespace, body }), counter,
      { transient: (err) => !aboutPdbs(err) && isTransient(err) });
    return { kind: 'ok' };
  } catch (err) {
    const code = statusOf(err);
    if (code === 404) return { kind: 'ok' };
    const text = errorText(err);
    if (isPdbRefusal(err)) return { kind: 'blocked', ...(budgetNamed(err) ? { budget: budgetNamed(err) } : {}) };
    return { kind: 'failed', reason: `eviction failed: HTTP ${code ?? '?'} ${text.slice(0, 200)}` };
  }
}

function ref(pod: k8s.V1Pod, reason: string): NotEvicted {
  return { namespace: pod.metadata?.namespace ?? '', pod: pod.metadata?.name ?? '', node: pod.spec?.nodeName ?? '', reason };
}

export async function drainNodes(core: k8s.CoreV1Api, nodes: string[], opts: DrainOptions, counter: RetryCounter): Promise<DrainOutcome> {
  const pods = await podsOnNodes(core, nodes, counter, opts.concurrency);
  const notEvicted: NotEvicted[] = [];
  const toEvict: k8s.V1Pod[] = [];
  let skipped = 0;
  for (const pod of pods) {
    const c = classifyPod(pod, opts.protectedNamespaces);
    if (!c.skip) toEvict.push(pod);
    else {
      skipped++;
      if (c.reason) notEvicted.push(ref(pod, c.reason));
    }
  }
  let evicted = 0;
  const limit = pLimit(opts.concurrency);
  const stopped = () => opts.signal?.aborted ?? false;
  const unsent: k8s.V1Pod[] = [];
  let retrying = false;
  const round = async (pods: k8s.V1Pod[]): Promise<k8s.V1Pod[]> => {
    const blocked: k8s.V1Pod[] = [];
    let waitingOn: PdbWait | undefined;
    await Promise.all(pods.map((pod) => limit(async () => {
      // Stopped (maxDuration, an abort): no new eviction is sent, the ones in flight finish.
      if (stopped()) { (retrying ? blocked : unsent).push(pod); return; }
      const res = await evictOnce(core, pod, opts, counter);
      if (res.kind === 'ok') evicted++;
      else if (res.kind === 'blocked') {
        blocked.push(pod);
        waitingOn ??= { pod: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, ...(res.budget ? { budget: res.budget } : {}) };
      } else notEvicted.push(ref(pod, res.reason));
    })));
    opts.onProgress?.({ evicted, blocked: blocked.length, pending: blocked.length, ...(waitingOn ? { waitingOn } : {}) });
    return blocked;
  };
  // First every pod gets one attempt (that moment is T0); then PDB-blocked pods are retried
  // until the eviction timeout, as the budget frees up when replacements get ready. The retry
  // pace caps at one second: a budget frees a slot per ready replacement, and a slower pace
  // left slots unused (the benchmark's drain took twice the raw lower bound with a 5 s cap).
  let blocked = await round(toEvict);
  // T0 needs every pod's first eviction sent: a round cut short by a stop is not it.
  if (unsent.length === 0) opts.onFirstRoundDone?.();
  retrying = true;
  const deadline = Date.now() + opts.evictionTimeoutMs;
  let delay = 250;
  while (blocked.length && !stopped() && Date.now() + delay <= deadline) {
    await pause(delay, opts.signal);
    if (stopped()) break;
    delay = Math.min(delay * 2, 1000);
    blocked = await round(blocked);
  }
  for (const pod of unsent) notEvicted.push(ref(pod, 'not evicted: the drill was stopped before its eviction was sent'));
  for (const pod of blocked) {
    notEvicted.push(ref(pod, stopped()
      ? 'blocked by a PodDisruptionBudget when the drill was stopped'
      : `blocked by a PodDisruptionBudget for ${Math.round(opts.evictionTimeoutMs / 1000)} s (eviction timeout)`));
  }
  return { evicted, skipped, notEvicted };
}
