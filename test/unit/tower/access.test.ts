import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { checkAccess, isLoopbackAddress, isLoopbackHost, sessionValue, type AccessPolicy } from '../../../tower/auth.js';
import { abortScope, approveScope, FormTokens } from '../../../tower/form-tokens.js';
import { createTowerApp } from '../../../tower/routes.js';
import { parseListen } from '../../../tower/server.js';
import { createLogger } from '../../../worker/logger.js';

// Who may use the tower and which posts change anything, without Temporal: a fake client
// records the signals the routes send, so every refusal is shown to send none.

const TOKEN = 'a-long-enough-test-token-0123456789';
const ORIGIN = 'http://127.0.0.1:8740';

describe('addresses', () => {
  it('knows loopback addresses and names', () => {
    for (const a of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['192.0.2.2', '::ffff:192.0.2.2', '0.0.0.0', '::', 'fd00::2', '', undefined]) expect(isLoopbackAddress(a), String(a)).toBe(false);
    for (const h of ['127.0.0.1', 'localhost', '[::1]', '::1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.0.2.2', 'example.com', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('parses --listen', () => {
    expect(parseListen('127.0.0.1:8740')).toEqual({ host: '127.0.0.1', port: 8740 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':8740')).toEqual({ host: '0.0.0.0', port: 8740 });
    expect(() => parseListen('8740')).toThrow(/host:port/);
    expect(() => parseListen('127.0.0.1:99999')).toThrow(/host:port/);
  });
});

describe('checkAccess', () => {
  const open: AccessPolicy = { defaultIdentity: 'me@host' };
  const locked: AccessPolicy = { token: TOKEN, identityHeader: 'x-forwarded-email', defaultIdentity: 'me@host' };
  const req = (o: Partial<Parameters<typeof checkAccess>[1]>) => ({ path: '/', remote: '127.0.0.1', host: '127.0.0.1:8740', ...o });

  it('without a token: loopback only, under a loopback name', () => {
    expect(checkAccess(open, req({}))).toEqual({ ok: true });
    expect(checkAccess(open, req({ host: 'localhost:8740' }))).toEqual({ ok: true });
    expect(checkAccess(open, req({ remote: '192.0.2.2' }))).toMatchObject({ ok: false, status: 403 });
    // DNS rebinding: a page of another site whose name now points at 127.0.0.1.
    expect(checkAccess(open, req({ host: 'evil.example:8740' }))).toMatchObject({ ok: false, status: 421 });
  });

  it('with a token: the bearer token or the session cookie, from anywhere; nothing else', () => {
    expect(checkAccess(locked, req({ remote: '192.0.2.2' }))).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess(locked, req({ remote: '127.0.0.1' }))).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess(locked, req({ remote: '192.0.2.2', authorization: 'Bearer wrong' }))).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess(locked, req({ remote: '192.0.2.2', authorization: `Bearer ${TOKEN}` }))).toEqual({ ok: true });
    expect(checkAccess(locked, req({ remote: '192.0.2.2', cookie: sessionValue(TOKEN) }))).toEqual({ ok: true });
    expect(checkAccess(locked, req({ remote: '192.0.2.2', cookie: TOKEN }))).toMatchObject({ ok: false });
    expect(checkAccess(locked, req({ remote: '192.0.2.2', path: '/login' }))).toEqual({ ok: true });
  });

  it('trusts the proxy\'s identity header only on requests that carry the token', () => {
    expect(checkAccess(locked, req({ authorization: `Bearer ${TOKEN}`, identity: 'alice@example.com' }))).toEqual({ ok: true, user: 'alice@example.com' });
    expect(checkAccess(locked, req({ path: '/login', identity: 'mallory@example.com' }))).toEqual({ ok: true });
    expect(checkAccess(open, req({ identity: 'mallory@example.com' }))).toEqual({ ok: true });
  });
});

describe('form tokens', () => {
  const t = new FormTokens(Buffer.alloc(32, 1));
  it('are bound to their action and run, and expire', () => {
    const now = Date.parse('2026-11-03T14:00:00Z');
    const tok = t.issue(approveScope('run-1'), now);
    expect(t.verify(approveScope('run-1'), tok, now)).toBe(true);
    expect(t.verify(approveScope('run-1'), tok, now + 40 * 60_000)).toBe(true);
    expect(t.verify(approveScope('run-1'), tok, now + 61 * 60_000)).toBe(false);
    expect(t.verify(approveScope('run-2'), tok, now)).toBe(false);
    expect(t.verify(abortScope('run-1'), tok, now)).toBe(false);
    expect(new FormTokens(Buffer.alloc(32, 2)).verify(approveScope('run-1'), tok, now)).toBe(false);
    for (const bad of [undefined, '', 'x', `${tok}x`, tok.replace(/\..*/, '.'), 42]) expect(t.verify(approveScope('run-1'), bad, now)).toBe(false);
  });
});

type Signal = { workflowId: string; name: string; arg: unknown };

function fakeClient(signals: Signal[]): Client {
  return {
    options: { namespace: 'default' },
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (def: { name: string }, arg: unknown) => { signals.push({ workflowId, name: def.name, arg }); },
        describe: async () => ({
          workflowId, runId: 'r1', type: 'drillWorkflow', status: { name: 'RUNNING' }, startTime: new Date(), typedSearchAttributes: { get: () => undefined },
        }),
        query: async () => { throw new Error('no worker in a unit test'); },
      }),
    },
    workflowService: { getWorkflowExecutionHistory: async () => ({ history: { events: [] } }) },
  } as unknown as Client;
}

function towerApp(access: AccessPolicy) {
  const signals: Signal[] = [];
  const tokens = new FormTokens(Buffer.alloc(32, 3));
  const app = createTowerApp({
    client: fakeClient(signals), taskQueue: 'tq', namespace: 'default', reportDir: '/nonexistent', access, tokens,
    log: createLogger({ level: 'silent' }),
  });
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}, remote = '127.0.0.1') => app.request(`http://${headers.host ?? '127.0.0.1:8740'}${path}`, {
    method: 'POST',
    // As a browser sends it: the node server builds the request URL from the Host header.
    headers: { 'content-type': 'application/x-www-form-urlencoded', host: '127.0.0.1:8740', origin: ORIGIN, ...headers },
    body: new URLSearchParams(form).toString(),
  }, { incoming: { socket: { remoteAddress: remote } } });
  return { app, signals, tokens, post };
}

describe('tower actions', () => {
  const open: AccessPolicy = { defaultIdentity: 'me@host' };

  it('approve: same origin and its own token, then one signal with the identity', async () => {
    const { signals, tokens, post } = towerApp(open);
    const csrf = tokens.issue(approveScope('run-1'));
    const res = await post('/runs/run-1/approve', { csrf, identity: 'alice@example.com' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/runs/run-1?sent=approve');
    expect(signals).toEqual([{ workflowId: 'run-1', name: 'approve', arg: { identity: 'alice@example.com' } }]);
  });

  it('refuses cross-site posts, posts without Origin or Sec-Fetch-Site, foreign tokens and non-form bodies, and sends nothing', async () => {
    const { signals, tokens, post } = towerApp(open);
    const csrf = tokens.issue(approveScope('run-1'));
    expect((await post('/runs/run-1/approve', { csrf }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/runs/run-1/approve', { csrf }, { origin: '', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post('/runs/run-1/approve', { csrf }, { origin: '' })).status).toBe(403);
    expect((await post('/runs/run-1/approve', { csrf }, { origin: 'null' })).status).toBe(403);
    expect((await post('/runs/run-1/approve', { csrf: tokens.issue(approveScope('run-2')) })).status).toBe(403);
    expect((await post('/runs/run-1/approve', { csrf: tokens.issue(abortScope('run-1')) })).status).toBe(403);
    expect((await post('/runs/run-1/approve', { csrf }, { 'content-type': 'application/json' })).status).toBe(415);
    expect((await post('/runs/run-1/approve', { csrf }, {}, '192.0.2.2')).status).toBe(403);
    expect(signals).toEqual([]);
    // Same-origin by Sec-Fetch-Site alone is enough (some browsers omit Origin on same-origin posts).
    expect((await post('/runs/run-1/approve', { csrf }, { origin: '', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect(signals).toHaveLength(1);
  });

  it('changes nothing on GET', async () => {
    const { app, signals } = towerApp(open);
    const env = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
    for (const p of ['/runs/run-1/approve', '/runs/run-1/abort?reason=x&confirm=yes']) {
      const res = await app.request(p, { headers: { host: '127.0.0.1:8740' } }, env);
      expect(res.status).toBe(404);
    }
    expect(signals).toEqual([]);
  });

  it('abort: asks for confirmation first, then sends the reason marked as from the tower', async () => {
    const { signals, tokens, post } = towerApp(open);
    const csrf = tokens.issue(abortScope('run-1'));
    expect((await post('/runs/run-1/abort', { csrf, identity: 'bob', reason: '' })).status).toBe(400);
    const ask = await post('/runs/run-1/abort', { csrf, identity: 'bob', reason: 'payments paged us' });
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain('Yes, abort the drill');
    expect(signals).toEqual([]);
    const res = await post('/runs/run-1/abort', { csrf, identity: 'bob', reason: 'payments paged us', confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(signals).toEqual([{ workflowId: 'run-1', name: 'abort', arg: { identity: 'bob', reason: 'payments paged us (from the tower)' } }]);
  });

  it('with a token: refused without it, from any address; the proxy\'s user is the identity', async () => {
    const { signals, tokens, post } = towerApp({ token: TOKEN, identityHeader: 'x-forwarded-email', defaultIdentity: 'me@host' });
    const csrf = tokens.issue(approveScope('run-1'));
    const refused = await post('/runs/run-1/approve', { csrf, identity: 'mallory' }, { host: '192.0.2.2:8740', origin: 'http://192.0.2.2:8740' }, '192.0.2.7');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(signals).toEqual([]);
    const ok = await post('/runs/run-1/approve', { csrf, identity: 'mallory' }, {
      host: '192.0.2.2:8740', origin: 'http://192.0.2.2:8740', authorization: `Bearer ${TOKEN}`, 'x-forwarded-email': 'alice@example.com',
    }, '192.0.2.7');
    expect(ok.status).toBe(303);
    expect(signals).toEqual([{ workflowId: 'run-1', name: 'approve', arg: { identity: 'alice@example.com' } }]);
  });

  it('serves its pages with a strict policy and the live script', async () => {
    const { app } = towerApp(open);
    const env = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
    const js = await app.request('/static/live.js', { headers: { host: '127.0.0.1:8740' } }, env);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const login = await app.request('/login', { headers: { host: '127.0.0.1:8740' } }, env);
    expect(login.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
