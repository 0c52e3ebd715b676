import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../worker/logger.js';

// Live pages over server-sent events. A page names its live parts by element id; the server
// renders them as it renders the page, once per interval, and sends only the parts whose HTML
// changed. Views shared by several browsers are computed once per interval, not once each.

export type Parts = Record<string, string>;

export const LIVE_INTERVAL_MS = 1000;
const KEEPALIVE_MS = 15_000;

/** Coalesces calls per key: callers within `ttlMs` of a computation share its promise. */
export class SharedViews {
  private readonly entries = new Map<string, { at: number; value: Promise<Parts> }>();

  constructor(private readonly ttlMs = LIVE_INTERVAL_MS / 2) {}

  get(key: string, compute: () => Promise<Parts>, nowMs = Date.now()): Promise<Parts> {
    const e = this.entries.get(key);
    if (e && nowMs - e.at < this.ttlMs) return e.value;
    const value = compute();
    this.entries.set(key, { at: nowMs, value });
    // Only the latest entry per key is kept; old keys go once nobody asks for them.
    for (const [k, v] of this.entries) if (nowMs - v.at > 60_000) this.entries.delete(k);
    value.catch(() => this.entries.delete(key));
    return value;
  }
}

/** The parts of `next` whose HTML differs from `prev`. Pure. */
export function changedParts(prev: Parts, next: Parts): Parts {
  const out: Parts = {};
  for (const [id, html] of Object.entries(next)) if (prev[id] !== html) out[id] = html;
  return out;
}

export function liveResponse(c: Context, views: SharedViews, key: string, compute: () => Promise<Parts>, log: Logger, intervalMs = LIVE_INTERVAL_MS): Response {
  c.header('Cache-Control', 'no-store');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    let last: Parts = {};
    let lastWrite = Date.now();
    let failing = false;
    while (!stream.aborted) {
      try {
        const next = await views.get(key, compute);
        const diff = changedParts(last, next);
        if (Object.keys(diff).length) {
          await stream.writeSSE({ event: 'parts', data: JSON.stringify(diff) });
          lastWrite = Date.now();
        }
        last = next;
        if (failing) await stream.writeSSE({ event: 'state', data: 'on' });
        failing = false;
      } catch (err) {
        if (!failing) log.warn({ view: key, err: (err as Error).message }, 'live view failed');
        failing = true;
        await stream.writeSSE({ event: 'state', data: `Temporal did not answer (${(err as Error).message.split('\n')[0]}); retrying` });
        lastWrite = Date.now();
      }
      if (Date.now() - lastWrite > KEEPALIVE_MS) {
        await stream.write(': keepalive\n\n');
        lastWrite = Date.now();
      }
      await stream.sleep(intervalMs);
    }
  });
}
