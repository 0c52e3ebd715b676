import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { abortRun, approveRun } from '../client/drills.js';
import { RunNotFoundError } from '../client/errors.js';
import { HTML_CSP } from '../report/page-shell.js';
import { safeSegment } from '../report/store.js';
import type { Logger } from '../worker/logger.js';
import { accessMiddleware, remoteAddress, sameSecret, SESSION_COOKIE, sessionValue, type AccessPolicy, type AccessVars } from './auth.js';
import { abortScope, approveScope, FormTokens, LOGIN_SCOPE } from './form-tokens.js';
import { liveResponse, SharedViews, type Parts } from './live.js';
import type { RenderContext } from './pages/context.js';
import { renderAbortConfirm, renderLogin, renderMessage } from './pages/forms.js';
import { renderHistory } from './pages/history.js';
import { LIVE_SCRIPT_PATH, runHref, TOWER_CSP_HEADER } from './pages/layout.js';
import { nowParts, renderNow } from './pages/now.js';
import { renderRun, runParts } from './pages/run.js';
import { runName } from './pages/run-parts.js';
import { renderSchedules } from './pages/schedules.js';
import { TowerReader } from './reader.js';
import { readHistory, readReport, storedRunSegments } from './reports.js';
import type { StoreRef } from '../report/store.js';
import { readSchedules } from './schedules.js';

// The tower's HTTP surface. Reads are GETs and change nothing; the two actions (approve,
// abort) are form POSTs that pass four checks first: the access policy, same-origin (Origin or
// Sec-Fetch-Site), a form content type, and the per-page token of that action on that run.

export interface TowerAppOptions {
  client: Client;
  taskQueue: string;
  namespace: string;
  temporalUiUrl?: string;
  /** The report store (a directory path is a directory store). */
  reportDir: StoreRef;
  access: AccessPolicy;
  log: Logger;
  /** Extra origins a browser may post from (the public URL behind a reverse proxy). */
  origins?: string[];
  tokens?: FormTokens;
  liveIntervalMs?: number;
}

type Env = { Variables: AccessVars };

const LIVE_SCRIPT = readFile(new URL('./static/live.js', import.meta.url), 'utf8');
const MAX_IDENTITY = 200;
const MAX_REASON = 500;

const clean = (v: unknown, max: number): string => (typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, max) : '');

export function createTowerApp(o: TowerAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const reader = new TowerReader(o.client, o.taskQueue);
  const tokens = o.tokens ?? new FormTokens();
  const views = new SharedViews();
  const origins = new Set(o.origins ?? []);

  // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with its own
  // form posts, and over plain http off loopback it sends no Sec-Fetch-Site either. HSTS is the
  // business of whatever terminates TLS in front of the tower.
  app.use('*', secureHeaders({ crossOriginEmbedderPolicy: false, referrerPolicy: 'same-origin', xFrameOptions: 'DENY', strictTransportSecurity: false }));
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('Content-Security-Policy')) c.res.headers.set('Content-Security-Policy', TOWER_CSP_HEADER);
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use('*', accessMiddleware(o.access));
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // Only form posts: the same-origin check below applies to exactly these content types.
    const type = c.req.header('content-type') ?? '';
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return c.text('the tower takes form posts only\n', 415);
    return next();
  });
  app.use('*', csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || origins.has(origin) }));
  app.use('*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('form too large\n', 413) }));

  const reportsIndex = async () => {
    const segs = await storedRunSegments(o.reportDir);
    return { has: (workflowId: string) => segs.has(safeSegment(workflowId)) };
  };
  const context = async (c: Context<Env>): Promise<RenderContext> => ({
    nowMs: Date.now(),
    namespace: o.namespace,
    ...(o.temporalUiUrl ? { temporalUiUrl: o.temporalUiUrl } : {}),
    reports: await reportsIndex(),
    tokens,
    identity: { ...(c.get('user') ? { user: c.get('user') } : {}), default: o.access.defaultIdentity },
  });
  /** The acting identity: the proxy's user, else the form's (offered pre-filled). */
  const identityOf = (c: Context<Env>, form: Record<string, unknown>): string => c.get('user') ?? (clean(form.identity, MAX_IDENTITY) || o.access.defaultIdentity);

  app.get('/', async (c) => c.html(renderNow(await reader.now(), await context(c), o.taskQueue)));

  app.get('/runs/:id', async (c) => {
    const id = c.req.param('id');
    const s = await reader.run(id);
    if (!s) return c.html(renderMessage('No such run', `No run ${id} in namespace ${o.namespace}.`, '/'), 404);
    const sent = c.req.query('sent');
    const notice = sent === 'approve' ? 'Approval sent; the journal below records it.' : sent === 'abort' ? 'Abort sent; the drill stops and restores.' : undefined;
    return c.html(renderRun(s, await context(c), notice));
  });

  app.post('/runs/:id/approve', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    if (!tokens.verify(approveScope(id), form.csrf)) return c.html(renderMessage('Refused', 'This form has expired or was not made by this tower: reload the run and try again.', runHref(id)), 403);
    const identity = identityOf(c, form);
    try {
      await approveRun(o.client, id, identity);
    } catch (err) {
      return signalFailed(c, err, id);
    }
    o.log.info({ action: 'approve', workflowId: id, identity, remote: remoteAddress(c) }, 'approval sent from the tower');
    return c.redirect(runHref(id, '?sent=approve'), 303);
  });

  app.post('/runs/:id/abort', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    if (!tokens.verify(abortScope(id), form.csrf)) return c.html(renderMessage('Refused', 'This form has expired or was not made by this tower: reload the run and try again.', runHref(id)), 403);
    const identity = identityOf(c, form);
    const reason = clean(form.reason, MAX_REASON);
    if (!reason) return c.html(renderMessage('A reason is needed', 'Say why the drill must stop: the reason goes into its report.', runHref(id)), 400);
    if (form.confirm !== 'yes') {
      const s = await reader.run(id);
      if (!s) return c.html(renderMessage('No such run', `No run ${id} in namespace ${o.namespace}.`, '/'), 404);
      return c.html(renderAbortConfirm(id, runName(s), reason, identity, await context(c)));
    }
    try {
      await abortRun(o.client, id, identity, `${reason} (from the tower)`);
    } catch (err) {
      return signalFailed(c, err, id);
    }
    o.log.info({ action: 'abort', workflowId: id, identity, reason, remote: remoteAddress(c) }, 'abort sent from the tower');
    return c.redirect(runHref(id, '?sent=abort'), 303);
  });

  const signalFailed = (c: Context<Env>, err: unknown, id: string) => {
    if (err instanceof RunNotFoundError) return c.html(renderMessage('No such run', err.message, '/'), 404);
    o.log.warn({ workflowId: id, err: (err as Error).message }, 'signal from the tower failed');
    return c.html(renderMessage('Not sent', `Temporal did not take the signal: ${(err as Error).message}`, runHref(id)), 502);
  };

  app.get('/schedules', async (c) => {
    try {
      return c.html(renderSchedules(await readSchedules(o.client, o.taskQueue), o.taskQueue, Date.now()));
    } catch (err) {
      return c.html(renderSchedules([], o.taskQueue, Date.now(), `Temporal did not list the schedules: ${(err as Error).message}`), 502);
    }
  });

  app.get('/history', async (c) => {
    const drill = clean(c.req.query('drill'), 200);
    const quarter = clean(c.req.query('quarter'), 20);
    return c.html(renderHistory(await readHistory(o.reportDir, { ...(drill ? { drill } : {}), ...(quarter ? { quarter } : {}) })));
  });

  app.get('/report/:id', async (c) => {
    const r = await readReport(o.reportDir, c.req.param('id'));
    if (!r) return c.html(renderMessage('No report', 'No report of this run is in the report store (yet).', '/history'), 404);
    if (r.kind === 'text') return c.text(r.body, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
    // A report is a document of its own: no script, whatever the tower's pages may run.
    c.header('Content-Security-Policy', `${HTML_CSP}; frame-ancestors 'none'`);
    return c.html(r.body);
  });

  const interval = o.liveIntervalMs;
  app.get('/live/now', async (c) => {
    const compute = async (): Promise<Parts> => nowParts(await reader.now(), await context(c));
    return liveResponse(c, views, 'now', compute, o.log, interval);
  });
  app.get('/live/runs/:id', async (c) => {
    const id = c.req.param('id');
    const compute = async (): Promise<Parts> => {
      const s = await reader.run(id);
      return s ? runParts(s, await context(c)) : {};
    };
    // Per user: the parts carry forms with the user's identity.
    return liveResponse(c, views, `run:${id}:${c.get('user') ?? ''}`, compute, o.log, interval);
  });

  app.get(LIVE_SCRIPT_PATH, async (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.body(await LIVE_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  // Browsers ask for it on every page; the tower has none.
  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.get('/login', async (c) => c.html(renderLogin(await context(c), false)));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const token = o.access.token;
    if (!tokens.verify(LOGIN_SCOPE, form.csrf)) return c.html(renderMessage('Refused', 'This form has expired: reload the sign-in page.', '/login'), 403);
    if (!token) return c.redirect('/', 303);
    if (typeof form.token !== 'string' || !sameSecret(form.token, token)) {
      o.log.warn({ remote: remoteAddress(c) }, 'tower sign-in with a wrong token');
      return c.html(renderLogin(await context(c), true), 401);
    }
    const https = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
    setCookie(c, SESSION_COOKIE, sessionValue(token), { httpOnly: true, sameSite: 'Strict', path: '/', secure: https, maxAge: 12 * 3600 });
    return c.redirect('/', 303);
  });

  app.notFound((c) => c.html(renderMessage('Not found', 'The tower has no such page.', '/'), 404));
  app.onError((err, c) => {
    // The same-origin check refuses by throwing its own 403.
    if (err instanceof HTTPException) return err.getResponse();
    o.log.error({ err: err.message, path: c.req.path }, 'tower request failed');
    return c.html(renderMessage('Something failed', err.message.split('\n')[0] ?? 'error', '/'), 500);
  });
  return app;
}
