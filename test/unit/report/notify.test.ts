import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createNotifier, redact } from '../../../activities/notify.js';

const SECRET = 'https://hooks.example.com/services/T0001/B0002/s3cr3tT0k3nXYZ';

/** A real pino logger writing into memory, so the test sees exactly what would be logged. */
function memoryLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

function leaks(text: string): boolean {
  return text.includes(SECRET) || text.includes('s3cr3tT0k3nXYZ') || text.includes(encodeURIComponent(SECRET)) || text.includes('/services/T0001');
}

describe('webhook notifier', () => {
  it('posts a Slack-compatible { text } to the URL named by the env variable', async () => {
    const fetch = vi.fn(async () => new Response('ok', { status: 200 }));
    const { log, lines } = memoryLog();
    const n = createNotifier({ fetch, env: { DRILL_HOOK: SECRET }, log });
    const out = await n.notify({ kind: 'finish', drill: 'zone-a-loss', text: 'zone-a-loss passed', urlFromEnv: 'DRILL_HOOK' });
    expect(out).toEqual({ sent: true, status: 200 });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(SECRET);
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ text: 'zone-a-loss passed' });
    expect(lines.some(leaks)).toBe(false);
  });

  it('is a no-op when the variable is unset or not named', async () => {
    const fetch = vi.fn();
    const { log, lines } = memoryLog();
    const n = createNotifier({ fetch, env: {}, log });
    expect(await n.notify({ kind: 'start', drill: 'd', text: 't', urlFromEnv: 'DRILL_HOOK' })).toEqual({ sent: false, reason: 'no webhook: DRILL_HOOK is not set' });
    expect(await n.notify({ kind: 'start', drill: 'd', text: 't' })).toMatchObject({ sent: false });
    expect(fetch).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it.each([
    ['a network error that quotes the URL', async () => {
      throw new TypeError(`fetch failed for ${SECRET}`, { cause: { code: 'ECONNREFUSED', message: `connect to ${SECRET}` } });
    }],
    ['an HTTP error', async () => new Response(`no such hook ${SECRET}`, { status: 404 })],
    ['a timeout', async () => {
      throw new DOMException(`The operation was aborted: ${encodeURIComponent(SECRET)}`, 'TimeoutError');
    }],
  ])('never throws and never leaks the URL on %s', async (_name, impl) => {
    const { log, lines } = memoryLog();
    const n = createNotifier({ fetch: vi.fn(impl) as unknown as typeof fetch, env: { DRILL_HOOK: SECRET }, log });
    const out = await n.notify({ kind: 'abort', drill: 'zone-a-loss', text: 'aborted', urlFromEnv: 'DRILL_HOOK' });
    expect(out.sent).toBe(false);
    expect(out.reason).toBeTruthy();
    expect(leaks(JSON.stringify(out))).toBe(false);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(leaks(line), line).toBe(false);
  });

  it('refuses a non-http URL without echoing it', async () => {
    const { log, lines } = memoryLog();
    const n = createNotifier({ fetch: vi.fn(), env: { DRILL_HOOK: 'file:///etc/s3cr3tT0k3nXYZ' }, log });
    const out = await n.notify({ kind: 'upcoming', drill: 'd', text: 't', urlFromEnv: 'DRILL_HOOK' });
    expect(out).toEqual({ sent: false, reason: 'webhook in DRILL_HOOK is not an http(s) URL' });
    expect(lines.join('')).not.toContain('s3cr3t');
  });

  it('redacts every form of the secret', () => {
    expect(redact(`a ${SECRET} b ${encodeURIComponent(SECRET)} c /services/T0001/B0002/s3cr3tT0k3nXYZ`, SECRET)).toBe('a [redacted] b [redacted] c [redacted]');
  });
});
