import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { sendQuiet } from '../kube/quiet-request.js';
import { isTransient, sleep, statusOf, withApiRetry, type RetryCounter } from '../kube/retry.js';
import { budgetKey, newRetryBook, planRetries, type Blocked } from './pdb-retry.js';
import type { BudgetWatch } from './pdb-watch.js';
import { clientPodPages, podsToDrain, type PodPages, type PodRef } from './pod-refs.js';

export { classifyPod, type PodRef } from './pod-refs.js';

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
  /** The budgets' allowances (one watch): blocked pods are retried when theirs rises. Without it, on a timer. */
  budgets?: BudgetWatch;
  /** How the nodes' pods are read; the generated client's lists when unset. */
  pods?: PodPages;
  /** How an eviction is sent; the generated client when unset. */
  evict?: Evict;
}

/** Sends one pod's eviction; the answer (a Status) is not needed. */
export type Evict = (body: k8s.V1Eviction & { metadata: { name: string; namespace: string } }) => Promise<unknown>;

export const clientEvict = (core: k8s.CoreV1Api): Evict => (body) =>
  core.createNamespacedPodEviction({ name: body.metadata.name, namespace: body.metadata.namespace, body });

/** The same eviction, its answer discarded unparsed (kube/quiet-request.ts): a drain sends thousands. */
export const quietEvict = (kc: k8s.KubeConfig): Evict => (body) => sendQuiet(kc, {
  method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(body.metadata.namespace)}/pods/${encodeURIComponent(body.metadata.name)}/eviction`,
  body, contentType: 'application/json',
});

export interface DrainOutcome {
  evicted: number;
  skipped: number;
  notEvicted: NotEvicted[];
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
async function evictOnce(evict: Evict, pod: PodRef, opts: DrainOptions, counter: RetryCounter): Promise<Attempt> {
  const { name, namespace } = pod;
  const deleteOptions: k8s.V1DeleteOptions = {
    // A retry must not evict a pod recreated under the same name (a StatefulSet's) elsewhere.
    ...(pod.uid ? { preconditions: { uid: pod.uid } } : {}),
    ...(opts.gracePeriodMs !== undefined ? { gracePeriodSeconds: Math.round(opts.gracePeriodMs / 1000) } : {}),
  };
  const body = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name, namespace },
    ...(Object.keys(deleteOptions).length ? { deleteOptions } : {}),
  };
  try {
    // A PDB refusal is not an API fault: the drain's own loop retries it, with its own deadline.
    // Throttling (429 without the PDB message) and other 5xx are retried here.
    await withApiRetry(() => evict(body), counter,
      { transient: (err) => !aboutPdbs(err) && isTransient(err) });
    return { kind: 'ok' };
  } catch (err) {
    const code = statusOf(err);
    const text = errorText(err);
    // Gone, or replaced by a pod of another UID under the same name: this pod is evicted.
    if (code === 404 || (code === 409 && /precondition/i.test(text))) return { kind: 'ok' };
    if (isPdbRefusal(err)) return { kind: 'blocked', ...(budgetNamed(err) ? { budget: budgetNamed(err) } : {}) };
    return { kind: 'failed', reason: `eviction failed: HTTP ${code ?? '?'} ${text.slice(0, 200)}` };
  }
}

function ref(pod: PodRef, reason: string): NotEvicted {
  return { namespace: pod.namespace, pod: pod.name, node: pod.node, reason };
}

export async function drainNodes(core: k8s.CoreV1Api, nodes: string[], opts: DrainOptions, counter: RetryCounter): Promise<DrainOutcome> {
  const { toEvict, skipped, refused } = await podsToDrain(opts.pods ?? clientPodPages(core), nodes, opts.protectedNamespaces, counter, opts.concurrency);
  const notEvicted: NotEvicted[] = refused.map((r) => ref(r.pod, r.reason));
  let evicted = 0;
  const evict = opts.evict ?? clientEvict(core);
  const limit = pLimit(opts.concurrency);
  const stopped = () => opts.signal?.aborted ?? false;
  const unsent: PodRef[] = [];
  let blocked: Blocked[] = [];
  let inflight = 0;
  const book = newRetryBook();
  let wake: (() => void) | undefined;
  const waitingOn = (): PdbWait | undefined => {
    const b = blocked[0];
    return b ? { pod: `${b.pod.namespace}/${b.pod.name}`, ...(b.budget ? { budget: b.budget.slice(b.budget.indexOf('/') + 1) } : {}) } : undefined;
  };
  const progress = () => {
    const w = waitingOn();
    opts.onProgress?.({ evicted, blocked: blocked.length, pending: blocked.length + inflight, ...(w ? { waitingOn: w } : {}) });
  };
  const send = (b: Blocked, retry: boolean): Promise<void> => limit(async () => {
    // Stopped (maxDuration, an abort): no new eviction is sent, the ones in flight finish.
    if (stopped()) { if (retry) blocked.push(b); else unsent.push(b.pod); return; }
    const res = await evictOnce(evict, b.pod, opts, counter);
    if (res.kind === 'ok') evicted++;
    else if (res.kind === 'blocked') blocked.push({ pod: b.pod, ...(res.budget ? { budget: budgetKey(b.pod.namespace, res.budget) } : {}) });
    else notEvicted.push(ref(b.pod, res.reason));
  });
  // First every pod gets one attempt (that moment is T0).
  await Promise.all(toEvict.map((pod) => send({ pod }, false)));
  progress();
  // T0 needs every pod's first eviction sent: a round cut short by a stop is not it.
  if (unsent.length === 0) opts.onFirstRoundDone?.();
  // Then PDB-blocked pods are retried until the eviction timeout: a budget's pods when its
  // allowance rises (the watch), the others on a timer whose pace caps at one second (a budget
  // frees a slot per ready replacement; a 5 s cap left slots unused).
  const deadline = Date.now() + opts.evictionTimeoutMs;
  let delay = 250;
  let fallbackAt = Date.now() + delay;
  while ((blocked.length || inflight) && !stopped()) {
    const now = Date.now();
    if (now < deadline) {
      const due = now >= fallbackAt;
      if (due) {
        delay = Math.min(delay * 2, 1000);
        fallbackAt = now + delay;
      }
      const picks = planRetries(blocked, opts.budgets, book, due);
      if (picks.length) {
        const chosen = new Set(picks);
        blocked = blocked.filter((b) => !chosen.has(b));
        for (const b of picks) {
          inflight++;
          if (b.budget) book.inflight.set(b.budget, (book.inflight.get(b.budget) ?? 0) + 1);
          void send(b, true).finally(() => {
            inflight--;
            if (b.budget) book.inflight.set(b.budget, (book.inflight.get(b.budget) ?? 1) - 1);
            wake?.();
          });
        }
      }
    }
    // Past the deadline, or (on the timer alone) no retry left before it: only answers are awaited.
    if (!inflight && (now >= deadline || (!opts.budgets && fallbackAt > deadline))) break;
    // Wait for an answer, a budget's rise, the timer, or a stop: whichever comes first.
    const answered = new Promise<void>((r) => { wake = r; });
    if (now >= deadline) await answered;
    else {
      const until = Math.max(0, Math.min(fallbackAt, deadline) - Date.now());
      await Promise.race([answered, opts.budgets ? opts.budgets.changed(until, opts.signal) : pause(until, opts.signal)]);
    }
    wake = undefined;
    progress();
  }
  // Answers still in flight when stopped are waited for: their pods are evicted or blocked.
  while (inflight) await new Promise<void>((r) => { wake = r; });
  for (const pod of unsent) notEvicted.push(ref(pod, 'not evicted: the drill was stopped before its eviction was sent'));
  for (const b of blocked) {
    notEvicted.push(ref(b.pod, stopped()
      ? 'blocked by a PodDisruptionBudget when the drill was stopped'
      : `blocked by a PodDisruptionBudget for ${Math.round(opts.evictionTimeoutMs / 1000)} s (eviction timeout)`));
  }
  return { evicted, skipped, notEvicted };
}
