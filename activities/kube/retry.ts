import * as k8s from '@kubernetes/client-node';

// Transient API failures (throttling, 5xx, dropped connections) are retried here with capped
// exponential backoff, and counted so the drill result can say how rough the API was.

export interface RetryCounter {
  retries: number;
  /** Time calls spent failing before the API answered again; overlapping failures count once. */
  blockedMs?: number;
  /** Start of the current run of failures (open while no call has been answered since). */
  failingSince?: number;
  lastAnswerAt?: number;
}

function noteFailure(counter: RetryCounter, callStartedAt: number): void {
  // A call that started before the last answer cannot extend the outage back past that answer.
  counter.failingSince ??= Math.max(callStartedAt, counter.lastAnswerAt ?? 0);
}

function noteAnswer(counter: RetryCounter, at: number): void {
  if (counter.failingSince !== undefined) counter.blockedMs = (counter.blockedMs ?? 0) + Math.max(0, at - counter.failingSince);
  counter.failingSince = undefined;
  counter.lastAnswerAt = at;
}

/** Blocked time so far, including a run of failures still going on. */
export function blockedMsOf(counter: RetryCounter, at = Date.now()): number {
  return (counter.blockedMs ?? 0) + (counter.failingSince !== undefined ? Math.max(0, at - counter.failingSince) : 0);
}

export function statusOf(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

export function isTransient(err: unknown): boolean {
  const code = statusOf(err);
  if (code !== undefined) return code === 429 || code >= 500;
  const msg = String((err as Error)?.message ?? err);
  return /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|network|fetch failed|timeout/i.test(msg);
}

export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof k8s.ApiException)) return undefined;
  const headers = err.headers as Record<string, string> | undefined;
  const value = headers?.['retry-after'];
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withApiRetry<T>(
  fn: () => Promise<T>,
  counter: RetryCounter,
  opts: { attempts?: number; baseMs?: number; maxMs?: number; transient?: (err: unknown) => boolean } = {},
): Promise<T> {
  const transient = opts.transient ?? isTransient;
  const attempts = opts.attempts ?? 8;
  let delay = opts.baseMs ?? 100;
  for (let i = 1; ; i++) {
    const startedAt = Date.now();
    try {
      const out = await fn();
      noteAnswer(counter, Date.now());
      return out;
    } catch (err) {
      if (!transient(err)) {
        // The API answered (a 404, a 409, ...): it is reachable again.
        if (statusOf(err) !== undefined) noteAnswer(counter, Date.now());
        throw err;
      }
      noteFailure(counter, startedAt);
      if (i >= attempts) throw err;
      counter.retries++;
      await sleep(Math.min(retryAfterMs(err) ?? delay, opts.maxMs ?? 5000));
      delay = Math.min(delay * 2, opts.maxMs ?? 5000);
    }
  }
}

/** Lists every page of a paginated list call. */
export async function listAll<T>(page: (cont?: string) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const res = await page(cont);
    out.push(...res.items);
    cont = res.metadata?._continue || undefined;
  } while (cont);
  return out;
}
