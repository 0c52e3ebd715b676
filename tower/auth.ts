import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { getCookie } from 'hono/cookie';

// Who may use the tower. On loopback (the default) anyone on the machine may, as on a terminal
// there; off loopback every request needs the bearer token (or the session cookie the login page
// sets from it). Without a token the tower also checks the Host header, so a web page whose DNS
// name is rebound to 127.0.0.1 cannot drive it from a browser on this machine.

export const SESSION_COOKIE = 'firedrill_tower';

export interface AccessPolicy {
  /** The bearer token; required when the tower listens off loopback. */
  token?: string;
  /** A header set by an authenticating reverse proxy, e.g. X-Forwarded-Email; trusted only with the token. */
  identityHeader?: string;
  /** The identity offered in forms where the user does not come authenticated. */
  defaultIdentity: string;
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback (how a dual-stack socket reports 127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/i, '');
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

/** A listen host that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || isLoopbackAddress(h);
}

/** The host part of a Host header ("127.0.0.1:8740", "[::1]:8740", "localhost"). */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const m = /^\[([^\]]*)\](?::\d+)?$/.exec(header) ?? /^([^:]*)(?::\d+)?$/.exec(header);
  return m?.[1] ?? '';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The session cookie's value: derived from the token, so a new token ends every session. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('firedrill tower session v1').digest('base64url');
}

export type Access = { ok: true; user?: string } | { ok: false; status: 401 | 403 | 421; message: string };

/** Whether a request may be served, and the authenticated user when a proxy names one. Pure but for its inputs. */
export function checkAccess(policy: AccessPolicy, req: { remote?: string; host?: string; authorization?: string; cookie?: string; identity?: string; path: string }): Access {
  if (policy.token) {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.authorization ?? '')?.[1]?.trim();
    const authed = (bearer !== undefined && sameSecret(bearer, policy.token))
      || (req.cookie !== undefined && sameSecret(req.cookie, sessionValue(policy.token)));
    // The login page is the one way in for a browser that has no cookie yet.
    if (!authed && req.path !== '/login') return { ok: false, status: 401, message: 'this tower needs its token: send Authorization: Bearer <token>, or sign in at /login' };
    const user = policy.identityHeader && authed ? req.identity?.trim() : undefined;
    return user ? { ok: true, user: user.slice(0, 200) } : { ok: true };
  }
  // No token: only this machine, and only under a loopback name.
  if (!isLoopbackAddress(req.remote)) return { ok: false, status: 403, message: 'this tower has no token and answers only on loopback' };
  if (!isLoopbackHost(hostName(req.host))) return { ok: false, status: 421, message: 'open the tower as 127.0.0.1, localhost or [::1]' };
  return { ok: true };
}

export interface AccessVars {
  user: string | undefined;
}

/** The Hono middleware: refuses before any route runs, so a refused request changes nothing. */
export function accessMiddleware(policy: AccessPolicy): MiddlewareHandler<{ Variables: AccessVars }> {
  return async (c, next) => {
    const a = checkAccess(policy, {
      remote: remoteAddress(c),
      host: c.req.header('host'),
      authorization: c.req.header('authorization'),
      cookie: getCookie(c, SESSION_COOKIE),
      identity: policy.identityHeader ? c.req.header(policy.identityHeader) : undefined,
      path: c.req.path,
    });
    if (!a.ok) {
      if (a.status === 401) c.header('WWW-Authenticate', 'Bearer realm="firedrill tower"');
      c.header('Cache-Control', 'no-store');
      return c.text(`${a.message}\n`, a.status);
    }
    c.set('user', a.user);
    await next();
  };
}

export function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Requests made in-process (app.request in tests) have no socket.
    return undefined;
  }
}
