import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import YAML from 'yaml';
import { kubeFiles } from '../../devstack/kube.js';
import type { StackStatus } from '../../devstack/stack.js';

// A fault-injecting proxy in front of the kube-apiserver, for tests of what a drill does when
// the API is rough: for a share of requests it answers 429 with Retry-After, 500 or 503, resets
// the connection (before forwarding, or after the apiserver has acted so only the answer is
// lost), or adds latency; it can also go down (refuse every connection) and come back on the
// same port. Watches, log follows and upgraded connections pass through untouched. Decisions
// come from a seeded generator, so a plan replays the same sequence of faults.

export type FaultKind = 'throttle' | 'error500' | 'error503' | 'reset' | 'resetAfter' | 'latency';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'error500', 'error503', 'reset', 'resetAfter', 'latency'];

export interface RequestInfo {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export type Decision =
  | { kind: 'pass' }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'error500' }
  | { kind: 'error503' }
  | { kind: 'reset' }
  | { kind: 'resetAfter' }
  | { kind: 'latency'; ms: number };

/** A fault for requests that match, the first `times` of them (every one when unset). */
export interface FaultRule {
  match: (req: RequestInfo) => boolean;
  fault: FaultKind;
  times?: number;
}

export interface FaultPlan {
  /** Share of eligible requests that get a random fault, 0..1. */
  rate: number;
  /** Relative weights of the random faults (default: equal weights for every kind). */
  weights?: Partial<Record<FaultKind, number>>;
  /** Latency range of a latency fault, ms (default 200..1000). */
  latencyMs?: [number, number];
  /** Retry-After of a throttle fault, seconds (default 1). */
  retryAfterSeconds?: number;
  /** Which requests may get a random fault (default: every one that is not a stream). */
  only?: (req: RequestInfo) => boolean;
  /** Targeted faults, checked before the random ones. */
  rules?: FaultRule[];
}

/** mulberry32: small, fast and good enough to pick faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Watches, log follows and protocol upgrades: long-lived streams that must not be cut. */
export function isStreaming(req: RequestInfo): boolean {
  if (req.headers.upgrade) return true;
  const q = new URLSearchParams(req.url.split('?')[1] ?? '');
  return ['true', '1'].includes(q.get('watch') ?? '') || q.get('follow') === 'true';
}

/** Query parameter of a request URL (decoded), for rules. */
export function queryParam(req: Pick<RequestInfo, 'url'>, name: string): string | null {
  return new URLSearchParams(req.url.split('?')[1] ?? '').get(name);
}

/** The request's path without the query. */
export function pathOf(req: Pick<RequestInfo, 'url'>): string {
  return req.url.split('?')[0] ?? '';
}

function decisionFor(kind: FaultKind, plan: FaultPlan, random: () => number): Decision {
  switch (kind) {
    case 'throttle': return { kind, retryAfterSeconds: plan.retryAfterSeconds ?? 1 };
    case 'latency': {
      const [lo, hi] = plan.latencyMs ?? [200, 1000];
      return { kind, ms: Math.round(lo + random() * (hi - lo)) };
    }
    default: return { kind };
  }
}

/**
 * Decides each request's fate. Pure apart from its seeded generator and the rules' counters:
 * the same plan, seed and request sequence give the same decisions.
 */
export function createDecider(plan: FaultPlan, seed: number): (req: RequestInfo) => Decision {
  const random = seededRandom(seed);
  const used = new Map<FaultRule, number>();
  const weights = FAULT_KINDS.map((k) => [k, Math.max(0, plan.weights ? plan.weights[k] ?? 0 : 1)] as const).filter(([, w]) => w > 0);
  const totalWeight = weights.reduce((s, [, w]) => s + w, 0);
  return (req) => {
    if (isStreaming(req)) return { kind: 'pass' };
    for (const rule of plan.rules ?? []) {
      const n = used.get(rule) ?? 0;
      if ((rule.times === undefined || n < rule.times) && rule.match(req)) {
        used.set(rule, n + 1);
        return decisionFor(rule.fault, plan, random);
      }
    }
    if (plan.only && !plan.only(req)) return { kind: 'pass' };
    // Two draws per eligible request whatever the outcome, so one decision never shifts the next.
    const hit = random();
    const pick = random() * totalWeight;
    if (hit >= plan.rate || totalWeight === 0) return { kind: 'pass' };
    let acc = 0;
    for (const [kind, w] of weights) {
      acc += w;
      if (pick < acc) return decisionFor(kind, plan, random);
    }
    return decisionFor((weights.at(-1) as readonly [FaultKind, number])[0], plan, random);
  };
}

export interface ProxyStats {
  requests: number;
  passed: number;
  streams: number;
  faults: Record<FaultKind, number>;
  /** Connections cut because the proxy went down. */
  cutByDown: number;
}

export interface FaultProxyOptions {
  /** The apiserver, e.g. https://127.0.0.1:16443. */
  upstream: string;
  /** Serve TLS with this certificate (e.g. the apiserver's own self-signed one); plain HTTP without. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** CA for the upstream; without it the upstream certificate is not verified (loopback only). */
  upstreamCa?: string | Buffer;
  plan?: FaultPlan;
  seed?: number;
}

/** A request as the proxy received it: when, and what. */
export interface RequestRecord {
  at: number;
  method: string;
  url: string;
}

export interface FaultProxy {
  url: string;
  port: number;
  stats: ProxyStats;
  /** Every request received (streams included), in arrival order: a test's record of what its worker sent and when. */
  requests: RequestRecord[];
  /** Replaces the fault plan (null: pass everything); the generator restarts from `seed`. */
  setPlan(plan: FaultPlan | null, seed?: number): void;
  /** Refuses every connection from now on; open ones are cut. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Goes down at the first request that matches (that request is cut too); resolves then. */
  downOn(match: (req: RequestInfo) => boolean): Promise<{ at: number }>;
  isDown(): boolean;
  /** A copy of a kubeconfig file whose every cluster points at this proxy. */
  writeKubeconfig(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-authenticate']);

function forwardHeaders(headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())));
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** Cuts a connection as abruptly as the socket type allows (a TCP reset on plain sockets). */
function cut(socket: net.Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    // TLS sockets cannot send a reset themselves: closing them is the nearest thing.
    socket.destroy();
  }
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  const upstreamTls = upstream.protocol === 'https:';
  const agent = upstreamTls
    ? new https.Agent({ keepAlive: true, ...(opts.upstreamCa ? { ca: opts.upstreamCa } : { rejectUnauthorized: false }) })
    : new http.Agent({ keepAlive: true });
  let plan = opts.plan ?? null;
  let decide = plan ? createDecider(plan, opts.seed ?? 1) : undefined;
  const stats: ProxyStats = { requests: 0, passed: 0, streams: 0, faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>, cutByDown: 0 };
  const sockets = new Set<net.Socket>();
  const requests: RequestRecord[] = [];
  let down = false;
  let trip: { match: (req: RequestInfo) => boolean; resolve: (v: { at: number }) => void } | undefined;

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, onAnswer?: () => void) => {
    const up = (upstreamTls ? https : http).request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, agent,
      headers: { ...forwardHeaders(req.headers), host: upstream.host },
    }, (answer) => {
      if (onAnswer) {
        // The apiserver has acted on the request: drop its answer and cut the connection.
        answer.resume();
        onAnswer();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, forwardHeaders(answer.headers));
      // Streams (watches) are flushed chunk by chunk, as the apiserver sends them.
      res.flushHeaders();
      answer.pipe(res);
    });
    up.on('error', (err) => {
      if (res.headersSent) { res.destroy(); return; }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(statusBody(502, 'BadGateway', `fault proxy: upstream failed: ${err.message}`));
    });
    // The client went away (or was cut) before its answer: stop the upstream request too.
    res.on('close', () => { if (!res.writableFinished) up.destroy(); });
    req.pipe(up);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    stats.requests++;
    const info: RequestInfo = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    requests.push({ at: Date.now(), method: info.method, url: info.url });
    if (trip?.match(info)) {
      const t = trip;
      trip = undefined;
      await goDown();
      t.resolve({ at: Date.now() });
      return;
    }
    if (isStreaming(info)) {
      stats.streams++;
      forward(req, res);
      return;
    }
    const d: Decision = decide ? decide(info) : { kind: 'pass' };
    if (d.kind === 'pass') stats.passed++;
    else stats.faults[d.kind]++;
    switch (d.kind) {
      case 'pass':
        return forward(req, res);
      case 'latency':
        await new Promise((r) => setTimeout(r, d.ms));
        if (!req.socket.destroyed) forward(req, res);
        return;
      case 'throttle':
        req.resume();
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(d.retryAfterSeconds) });
        res.end(statusBody(429, 'TooManyRequests', 'fault proxy: too many requests, please try again later'));
        return;
      case 'error500':
      case 'error503': {
        const code = d.kind === 'error500' ? 500 : 503;
        req.resume();
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(statusBody(code, code === 500 ? 'InternalError' : 'ServiceUnavailable', `fault proxy: injected HTTP ${code}`));
        return;
      }
      case 'reset':
        cut(req.socket);
        return;
      case 'resetAfter':
        forward(req, res, () => cut(req.socket));
        return;
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(() => cut(req.socket));
  };
  const server: http.Server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  server.on('connection', (s: net.Socket) => {
    if (down) { cut(s); return; }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, s) => s.destroy());
  // Upgraded connections (exec, port-forward) are tunnelled as they are.
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    stats.requests++;
    stats.streams++;
    const port = Number(upstream.port || (upstreamTls ? 443 : 80));
    const connect = () => upstreamTls
      ? tls.connect({ host: upstream.hostname, port, servername: upstream.hostname, ...(opts.upstreamCa ? { ca: opts.upstreamCa } : { rejectUnauthorized: false }) })
      : net.connect({ host: upstream.hostname, port });
    const up = connect();
    up.once(upstreamTls ? 'secureConnect' : 'connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] as string;
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? upstream.host : req.rawHeaders[i + 1]}`);
      }
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    client.on('close', () => up.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as net.AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  async function goDown(): Promise<void> {
    if (down) return;
    down = true;
    const closed = once(server, 'close');
    server.close();
    for (const s of sockets) { stats.cutByDown++; cut(s); }
    sockets.clear();
    await closed;
  }

  return {
    url,
    port,
    stats,
    requests,
    setPlan(next, seed) {
      plan = next;
      decide = plan ? createDecider(plan, seed ?? opts.seed ?? 1) : undefined;
    },
    down: goDown,
    async up() {
      if (!down) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
      });
      down = false;
    },
    downOn(match) {
      return new Promise((resolve) => { trip = { match, resolve }; });
    },
    isDown: () => down,
    async writeKubeconfig(from, to) {
      const doc = YAML.parse(await readFile(from, 'utf8')) as { clusters?: Array<{ cluster: Record<string, unknown> }> };
      for (const c of doc.clusters ?? []) {
        c.cluster.server = url;
        // The proxy serves a certificate of its own choosing, on loopback: like the stack's
        // kubeconfig, do not verify it (client-node also requires this for plain http).
        delete c.cluster['certificate-authority-data'];
        delete c.cluster['certificate-authority'];
        c.cluster['insecure-skip-tls-verify'] = true;
      }
      await writeFile(to, YAML.stringify(doc), { mode: 0o600 });
    },
    async close() {
      trip = undefined;
      if (!down) await goDown();
      agent.destroy();
    },
  };
}

export interface StackProxy {
  proxy: FaultProxy;
  /** A kubeconfig like the stack's, pointing at the proxy: give it to the worker under test. */
  kubeconfig: string;
  close(): Promise<void>;
}

/**
 * A fault proxy in front of the stack's apiserver. It serves TLS with the apiserver's own
 * self-signed certificate when that is readable (so clients speak HTTPS as they would to the
 * real thing), plain HTTP otherwise.
 */
export async function startStackProxy(stack: StackStatus, opts: { plan?: FaultPlan; seed?: number } = {}): Promise<StackProxy> {
  const pki = kubeFiles(stack.stateDir).certDir;
  const [cert, key] = await Promise.all([
    readFile(path.join(pki, 'apiserver.crt')).catch(() => undefined),
    readFile(path.join(pki, 'apiserver.key')).catch(() => undefined),
  ]);
  const proxy = await startFaultProxy({ upstream: stack.kubeApiServer, ...(cert && key ? { tls: { cert, key } } : {}), ...opts });
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-proxy-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await proxy.writeKubeconfig(stack.kubeconfig, kubeconfig);
  return {
    proxy,
    kubeconfig,
    async close() {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
