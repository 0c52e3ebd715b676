import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDecider, FAULT_KINDS, isStreaming, pathOf, startFaultProxy, type Decision, type FaultPlan, type FaultProxy, type RequestInfo,
} from '../../support/fault-proxy.js';

// The fault proxy's decisions are seeded and so reproducible; its behaviour is checked against a
// small local HTTP upstream on loopback.

const get = (url: string, headers: http.IncomingHttpHeaders = {}): RequestInfo => ({ method: 'GET', url, headers });
const kinds = (ds: Decision[]) => ds.map((d) => d.kind);

describe('fault decisions', () => {
  const plan: FaultPlan = { rate: 0.3 };
  const requests = Array.from({ length: 2000 }, (_, i) => get(`/api/v1/nodes/n${i}`));

  it('replay exactly for the same seed, and differ for another', () => {
    const a = requests.map(createDecider(plan, 42));
    const b = requests.map(createDecider(plan, 42));
    const c = requests.map(createDecider(plan, 43));
    expect(a).toEqual(b);
    expect(kinds(a)).not.toEqual(kinds(c));
  });

  it('fault about the planned share of requests, with every kind when none is weighted', () => {
    const out = requests.map(createDecider(plan, 7));
    const faults = out.filter((d) => d.kind !== 'pass');
    expect(faults.length / out.length).toBeGreaterThan(0.26);
    expect(faults.length / out.length).toBeLessThan(0.34);
    expect(new Set(kinds(faults))).toEqual(new Set(FAULT_KINDS));
  });

  it('rate 0 passes everything; rate 1 faults everything', () => {
    expect(new Set(kinds(requests.map(createDecider({ rate: 0 }, 1))))).toEqual(new Set(['pass']));
    expect(kinds(requests.map(createDecider({ rate: 1 }, 1)))).not.toContain('pass');
  });

  it('pick only weighted kinds, with the planned Retry-After and latency range', () => {
    const out = requests.map(createDecider({ rate: 1, weights: { throttle: 1, latency: 3, error500: 0 }, retryAfterSeconds: 2, latencyMs: [50, 60] }, 3));
    expect(new Set(kinds(out))).toEqual(new Set(['throttle', 'latency']));
    const throttles = out.filter((d) => d.kind === 'throttle');
    expect(throttles.length).toBeGreaterThan(350);
    expect(throttles.length).toBeLessThan(650);
    for (const d of out) {
      if (d.kind === 'throttle') expect(d.retryAfterSeconds).toBe(2);
      if (d.kind === 'latency') {
        expect(d.ms).toBeGreaterThanOrEqual(50);
        expect(d.ms).toBeLessThanOrEqual(60);
      }
    }
  });

  it('never touch a stream: watches, log follows, upgrades', () => {
    const streams = [
      get('/api/v1/pods?watch=true'), get('/api/v1/namespaces/a/pods?labelSelector=x&watch=1&resourceVersion=5'),
      get('/api/v1/namespaces/a/pods/p/log?follow=true'), get('/api/v1/namespaces/a/pods/p/exec', { upgrade: 'websocket' }),
    ];
    for (const s of streams) expect(isStreaming(s)).toBe(true);
    expect(isStreaming(get('/api/v1/pods?watch=false'))).toBe(false);
    const decide = createDecider({ rate: 1, rules: [{ match: () => true, fault: 'reset' }] }, 1);
    expect(kinds(streams.map(decide))).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('apply targeted rules first, the first `times` matches only, even outside `only`', () => {
    const eviction = (pod: string): RequestInfo => ({ method: 'POST', url: `/api/v1/namespaces/a/pods/${pod}/eviction`, headers: {} });
    const decide = createDecider({
      rate: 0,
      only: (r) => r.method === 'GET',
      rules: [{ match: (r) => pathOf(r).endsWith('/eviction'), fault: 'resetAfter', times: 2 }],
    }, 1);
    expect(kinds([eviction('a'), get('/api/v1/nodes'), eviction('b'), eviction('c')].map(decide))).toEqual(['resetAfter', 'pass', 'resetAfter', 'pass']);
  });

  it('a rule does not shift the random sequence of the requests around it', () => {
    const base = requests.map(createDecider({ rate: 0.5 }, 9));
    const rule = { match: (r: RequestInfo) => r.method === 'DELETE', fault: 'error503' as const };
    const decide = createDecider({ rate: 0.5, rules: [rule] }, 9);
    const mixed = requests.flatMap((r, i) => (i % 10 === 0 ? [decide({ method: 'DELETE', url: '/x', headers: {} }), decide(r)] : [decide(r)]));
    expect(mixed.filter((_, i) => i % 11 !== 0)).toEqual(base);
  });
});

// ---------------------------------------------------------------------------------------------

interface Upstream {
  url: string;
  hits: string[];
  /** The client saw the watch's first event: the upstream may write the second. */
  firstSeen: () => void;
  /** Whether the second event was written because the client had seen the first (not after the 5 s fallback). */
  secondAfterFirstSeen: () => boolean | undefined;
  close: () => Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const hits: string[] = [];
  let seen = false;
  let onSeen: () => void = () => undefined;
  const firstSeen = new Promise<void>((r) => { onSeen = r; });
  let secondAfterFirstSeen: boolean | undefined;
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.url?.includes('watch=true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      // The second event only once the client has the first (or after 5 s, so a proxy that
      // buffers fails the test instead of hanging it).
      void Promise.race([firstSeen, new Promise((r) => setTimeout(r, 5_000))]).then(() => {
        secondAfterFirstSeen = seen;
        res.end('{"type":"MODIFIED"}\n');
      });
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    firstSeen: () => { seen = true; onSeen(); },
    secondAfterFirstSeen: () => secondAfterFirstSeen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string; chunks: Array<{ at: number; text: string }> }

function request(url: string, init: { method?: string; body?: string; onChunk?: (text: string) => void } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', agent: false }, (res) => {
      const chunks: Answer['chunks'] = [];
      res.setEncoding('utf8');
      res.on('data', (text: string) => { chunks.push({ at: Date.now(), text }); init.onChunk?.(text); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.map((c) => c.text).join(''), chunks }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('fault proxy', () => {
  let upstream: Upstream | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await upstream?.close();
    proxy = undefined;
    upstream = undefined;
  });

  async function setUp(plan?: FaultPlan): Promise<{ up: Upstream; px: FaultProxy }> {
    upstream = await startUpstream();
    proxy = await startFaultProxy({ upstream: upstream.url, ...(plan ? { plan } : {}), seed: 5 });
    return { up: upstream, px: proxy };
  }

  it('passes requests through unchanged, bodies and headers included', async () => {
    const { up, px } = await setUp();
    const res = await request(`${px.url}/api/v1/namespaces/a/pods/p/eviction?dryRun=All`, { method: 'POST', body: '{"kind":"Eviction"}' });
    expect(res.status).toBe(201);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', url: '/api/v1/namespaces/a/pods/p/eviction?dryRun=All', body: '{"kind":"Eviction"}' });
    expect(up.hits).toHaveLength(1);
    expect(px.stats).toMatchObject({ requests: 1, passed: 1 });
  });

  it('answers 429 with Retry-After, 500 and 503 itself, as Kubernetes Status documents', async () => {
    const { up, px } = await setUp({ rate: 0, retryAfterSeconds: 3, rules: [
      { match: (r) => r.url === '/a', fault: 'throttle' },
      { match: (r) => r.url === '/b', fault: 'error500' },
      { match: (r) => r.url === '/c', fault: 'error503' },
    ] });
    const a = await request(`${px.url}/a`);
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBe('3');
    expect(JSON.parse(a.body)).toMatchObject({ kind: 'Status', code: 429, reason: 'TooManyRequests' });
    expect((await request(`${px.url}/b`)).status).toBe(500);
    expect((await request(`${px.url}/c`)).status).toBe(503);
    expect(up.hits).toEqual([]);
    expect(px.stats.faults).toMatchObject({ throttle: 1, error500: 1, error503: 1 });
  });

  it('resets before forwarding (the upstream never sees it) or after (the upstream acted, the answer is lost)', async () => {
    const { up, px } = await setUp({ rate: 0, rules: [
      { match: (r) => r.url === '/before', fault: 'reset' },
      { match: (r) => r.url === '/after', fault: 'resetAfter' },
    ] });
    await expect(request(`${px.url}/before`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(up.hits).toEqual([]);
    await expect(request(`${px.url}/after`, { method: 'POST', body: 'x' })).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(up.hits).toEqual(['POST /after']);
  });

  it('adds latency, then forwards', async () => {
    const { up, px } = await setUp({ rate: 1, weights: { latency: 1 }, latencyMs: [150, 150] });
    const started = Date.now();
    const res = await request(`${px.url}/slow`);
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(up.hits).toEqual(['GET /slow']);
  });

  it('streams a watch through chunk by chunk, untouched by a plan that faults everything', async () => {
    const { up, px } = await setUp({ rate: 1, weights: { reset: 1 } });
    const res = await request(`${px.url}/api/v1/pods?watch=true`, { onChunk: (text) => { if (text.includes('ADDED')) up.firstSeen(); } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"type":"ADDED"}\n{"type":"MODIFIED"}\n');
    // The first event reached the client before the upstream wrote the second one.
    expect(res.chunks[0]?.text).toBe('{"type":"ADDED"}\n');
    expect(up.secondAfterFirstSeen()).toBe(true);
    expect(px.stats.streams).toBe(1);
  });

  it('goes down (connections refused) and comes back on the same port', async () => {
    const { px } = await setUp();
    expect((await request(`${px.url}/x`)).status).toBe(201);
    await px.down();
    expect(px.isDown()).toBe(true);
    await expect(request(`${px.url}/x`)).rejects.toThrow(/ECONNREFUSED/);
    await px.up();
    expect((await request(`${px.url}/x`)).status).toBe(201);
  });

  it('goes down at the first request that matches, cutting that request too', async () => {
    const { up, px } = await setUp();
    const tripped = px.downOn((r) => pathOf(r) === '/api/v1/nodes' && r.url.includes('labelSelector='));
    expect((await request(`${px.url}/api/v1/nodes`)).status).toBe(201);
    await expect(request(`${px.url}/api/v1/nodes?labelSelector=firedrill.dev%2Frun%3Dabc`)).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect((await tripped).at).toBeGreaterThan(0);
    await expect(request(`${px.url}/api/v1/nodes`)).rejects.toThrow(/ECONNREFUSED/);
    expect(up.hits).toEqual(['GET /api/v1/nodes']);
    await px.up();
    expect((await request(`${px.url}/api/v1/nodes`)).status).toBe(201);
  });
});
