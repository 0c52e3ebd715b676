import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterRequestError,
  ClusterUnreachableError,
  fetchSnapshot,
  KubeConfigError,
  loadKubeConfig,
  PermissionError,
} from '../../../activities/census/index.js';

// fetchSnapshot against a tiny fake API server on loopback: paging, expired continue tokens,
// 403s and a server that never answers, without needing a cluster.

function kubeconfigYaml(server: string, context = 'fake'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    // The client refuses plain http unless TLS verification is off; the fake server speaks http.
    `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: u, user: {token: t}}]',
    `contexts: [{name: ${context}, context: {cluster: c, user: u}}, {name: other, context: {cluster: c, user: u}}]`,
    `current-context: ${context}`,
  ].join('\n');
}

function kubeFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server));
  return kc;
}

const PODS = 1_234;

interface Fake {
  url: string;
  requests: string[];
  /** Answer pods with this status instead of a list. */
  podsStatus?: number;
  /** Answer the first continued pods page with 410 Gone, once. */
  expireOnce?: boolean;
  close(): Promise<void>;
}

async function fakeApiServer(): Promise<Fake> {
  const fake = { requests: [] as string[] } as unknown as Fake;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    fake.requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/pods') {
      if (fake.podsStatus) {
        return send(fake.podsStatus, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fake.podsStatus, reason: 'Forbidden',
          message: 'pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the cluster scope' });
      }
      const limit = Number(url.searchParams.get('limit'));
      const from = Number(url.searchParams.get('continue') ?? 0);
      if (from > 0 && fake.expireOnce) {
        fake.expireOnce = false;
        return send(410, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'continue expired' });
      }
      const to = Math.min(PODS, from + limit);
      const items = Array.from({ length: to - from }, (_, i) => ({
        metadata: { name: `p-${from + i}`, namespace: 'ns' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', resources: { requests: { cpu: '10m', memory: '1Mi' } } }] },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }));
      return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: to < PODS ? { continue: String(to) } : {}, items });
    }
    if (url.pathname === '/api/v1/nodes') {
      return send(200, { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{
        metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
        status: { allocatable: { cpu: '4', memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
      }] });
    }
    return send(200, { kind: 'List', apiVersion: 'v1', metadata: {}, items: [] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}

describe('reading the cluster', () => {
  let fake: Fake;
  beforeAll(async () => { fake = await fakeApiServer(); });
  afterAll(() => fake.close());
  afterEach(() => { fake.requests.length = 0; fake.podsStatus = undefined; fake.expireOnce = false; });

  it('lists every pod page by page', async () => {
    const snap = await fetchSnapshot(kubeFor(fake.url), { pageSize: 500 });
    expect(snap.pods).toHaveLength(PODS);
    expect(snap.pods[PODS - 1]?.name).toBe(`p-${PODS - 1}`);
    expect(fake.requests.filter((r) => r.startsWith('/api/v1/pods'))).toEqual([
      '/api/v1/pods?limit=500', '/api/v1/pods?continue=500&limit=500', '/api/v1/pods?continue=1000&limit=500',
    ]);
    expect(snap.nodes).toEqual([expect.objectContaining({ name: 'n1', allocatable: { cpuMilli: 4000, memoryBytes: 16 * 2 ** 30, pods: 110 } })]);
    expect(snap.pods[0]).toMatchObject({ ready: true, requests: { cpuMilli: 10, memoryBytes: 2 ** 20 } });
    expect(snap.server).toBe(fake.url);
    expect(snap.context).toBe('fake');
  });

  it('starts the list again when the server expires the continue token', async () => {
    fake.expireOnce = true;
    const snap = await fetchSnapshot(kubeFor(fake.url), { pageSize: 1000 });
    expect(snap.pods).toHaveLength(PODS);
    expect(fake.requests.filter((r) => r.startsWith('/api/v1/pods'))).toHaveLength(4);
  });

  it('turns a 403 into a PermissionError naming the verb and the resource', async () => {
    fake.podsStatus = 403;
    const err = await fetchSnapshot(kubeFor(fake.url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as PermissionError).message).toMatch(/^forbidden: cannot list pods at the cluster scope \(needs verb list on pods\); the API server said: pods is forbidden: User "viewer"/);
    expect(err).toMatchObject({ verb: 'list', resource: 'pods' });
  });

  it('gives up on a server that never answers, naming it', async () => {
    const silent = net.createServer((socket) => { socket.on('error', () => undefined); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const t0 = Date.now();
      const err = await fetchSnapshot(kubeFor(url), { requestTimeoutMs: 400 }).catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(3_000);
      expect(err).toBeInstanceOf(ClusterUnreachableError);
      expect((err as Error).message).toBe(`cannot reach the Kubernetes API server at ${url}: no answer within 0.4 s (context "fake")`);
    } finally {
      silent.close();
    }
  });

  it('reports a refused connection at once', async () => {
    // A port just closed, not port 1: fetch refuses to dial ports on its bad-port list.
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as net.AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const err = await fetchSnapshot(kubeFor(url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach the Kubernetes API server at ${url}: .*ECONNREFUSED`));
  });

  it('does not call a request the client refuses to send an unreachable server', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml(fake.url).replace(', insecure-skip-tls-verify: true', ''));
    const err = await fetchSnapshot(kc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterRequestError);
    expect((err as Error).message).toMatch(/failed: HTTP protocol is not allowed/);
  });
});

describe('loading the kubeconfig', () => {
  let dir: string;
  const saved = process.env.KUBECONFIG;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'census-kc-')); });
  afterAll(async () => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('switches to the named context, and names the contexts that exist when it is unknown', async () => {
    const file = join(dir, 'config');
    await writeFile(file, kubeconfigYaml('https://example.invalid:6443'));
    process.env.KUBECONFIG = file;
    expect(loadKubeConfig().getCurrentContext()).toBe('fake');
    expect(loadKubeConfig('other').getCurrentContext()).toBe('other');
    expect(() => loadKubeConfig('prod')).toThrow(KubeConfigError);
    expect(() => loadKubeConfig('prod')).toThrow(`kube context "prod" does not exist in KUBECONFIG=${file}; contexts: fake, other`);
  });

  it('says which file it could not read', () => {
    process.env.KUBECONFIG = join(dir, 'missing');
    expect(() => loadKubeConfig()).toThrow(/^cannot load the kubeconfig from KUBECONFIG=.*missing/);
  });
});
