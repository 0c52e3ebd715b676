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

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };

/** The error and its causes, outermost first. */
function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = err; e !== null && typeof e === 'object' && out.length < 5; e = (e as ErrorLike).cause) out.push(e as ErrorLike);
  return out;
}

/**
 * The failure that stopped a request from being answered: the client sends through undici,
 * whose fetch rejects with a bare "fetch failed" (or "terminated") and keeps the socket's
 * error (ECONNREFUSED, ECONNRESET, undici's UND_ERR_SOCKET, ...) as its `cause`.
 */
export function networkCause(err: unknown): { code: string; message: string } | undefined {
  const e = chain(err).find((x) => typeof x.code === 'string');
  return e ? { code: e.code as string, message: String(e.message ?? e.code) } : undefined;
}

/** Messages (and codes they do not name) of an error and its causes: "fetch failed: read ECONNRESET". */
export function failureText(err: unknown): string {
  const parts = chain(err).map((e) => {
    const message = String(e.message ?? '');
    return typeof e.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})`.trim() : message;
  });
  return parts.filter(Boolean).join(': ') || String(err);
}

// UND_ERR_SOCKET is undici's "other side closed" (node's "socket hang up"); UND_ERR_INFO its
// HTTP/2 GOAWAY and stream resets: the connection went away, not the request was refused.
const TRANSIENT_NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR_SOCKET|UND_ERR_INFO|socket hang up|network|timeout/i;

export function isTransient(err: unknown): boolean {
  const code = statusOf(err);
  if (code !== undefined) return code === 429 || code >= 500;
  return TRANSIENT_NETWORK.test(failureText(err));
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

type Page<T> = (cont?: string) => Promise<{ items: T[]; metadata?: { _continue?: string } }>;

/** Lists every page of a paginated list call. */
export async function listAll<T>(page: Page<T>): Promise<T[]> {
  const out: T[] = [];
  await forEachPage(page, (items) => { out.push(...items); });
  return out;
}

/** Hands each page to `use` and drops it: a caller that keeps only a digest never holds the whole list. */
export async function forEachPage<T>(page: Page<T>, use: (items: T[]) => void): Promise<void> {
  let cont: string | undefined;
  do {
    const res = await page(cont);
    use(res.items);
    cont = res.metadata?._continue || undefined;
  } while (cont);
}
