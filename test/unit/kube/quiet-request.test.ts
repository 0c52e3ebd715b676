import http from 'node:http';
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { isPdbRefusal, quietEvict } from '../../../activities/faults/drain.js';
import { quietNodePatch } from '../../../activities/faults/nodes.js';
import { sendQuiet } from '../../../activities/kube/quiet-request.js';
import { isTransient, retryAfterMs, statusOf } from '../../../activities/kube/retry.js';

// A quiet write is the client's request (credentials, method, path, query, body) with the
// success's answer discarded unread; every other answer is the client's ApiException, so a
// caller tells a 404, a 409, a PDB's 429 and a lost connection apart exactly as before.

interface Seen { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }

const servers: net.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

async function serve(answer: (seen: Seen, res: http.ServerResponse) => void): Promise<{ kc: k8s.KubeConfig; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const s = { method: req.method, url: req.url, headers: req.headers, body };
      seen.push(s);
      answer(s, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    // skipTLSVerify gives the request a dispatcher of its own, as a TLS cluster's does.
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { kc, seen };
}

const json = (res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);

describe('a quiet write', () => {
  it('sends the node patch the client would, with its credentials, and resolves on a 2xx without reading the node', async () => {
    const { kc, seen } = await serve((_s, res) => json(res, 200, { kind: 'Node', metadata: { name: 'n 1' }, status: { images: ['x'.repeat(100_000)] } }));
    const body = { metadata: { resourceVersion: '7', labels: { a: 'b' } }, spec: { unschedulable: true } };
    await expect(quietNodePatch(kc)('n 1', body)).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/api/v1/nodes/n%201?fieldManager=firedrill' });
    expect(seen[0]?.headers).toMatchObject({ 'content-type': 'application/merge-patch+json', authorization: 'Bearer t', accept: 'application/json' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual(body);
  });

  it('sends an eviction to the pod\'s eviction subresource', async () => {
    const { kc, seen } = await serve((_s, res) => json(res, 201, { kind: 'Status', status: 'Success', code: 201 }));
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-0', namespace: 'shop' }, deleteOptions: { preconditions: { uid: 'u1' } } };
    await quietEvict(kc)(body);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/shop/pods/db-0/eviction' });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual(body);
  });

  it('rejects any other answer with the client\'s ApiException: code, parsed Status and headers', async () => {
    const { kc } = await serve((s, res) => {
      if (s.url?.startsWith('/api/v1/nodes/conflict')) json(res, 409, { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
      else json(res, 429, {
        kind: 'Status', status: 'Failure', code: 429, message: 'Cannot evict pod as it would violate the pod\'s disruption budget.',
        details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
      }, { 'retry-after': '2' });
    });
    const conflict = await failure(quietNodePatch(kc)('conflict', {}));
    expect(conflict).toBeInstanceOf(k8s.ApiException);
    expect(statusOf(conflict)).toBe(409);
    expect((conflict as k8s.ApiException<{ reason: string }>).body.reason).toBe('Conflict');
    expect(isTransient(conflict)).toBe(false);
    const refused = await failure(quietEvict(kc)({ metadata: { name: 'web-1', namespace: 'shop' } }));
    expect(statusOf(refused)).toBe(429);
    expect(isPdbRefusal(refused)).toBe(true);
    expect(retryAfterMs(refused)).toBe(2000);
  });

  it('keeps a body that is not JSON as text, and a lost connection is transient', async () => {
    const { kc } = await serve((s, res) => {
      if (s.url?.includes('reset')) { res.socket?.destroy(); return; }
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    });
    const proxy = await failure(sendQuiet(kc, { method: 'POST', path: '/api/v1/x', body: {}, contentType: 'application/json' }));
    expect(statusOf(proxy)).toBe(502);
    expect((proxy as k8s.ApiException<string>).body).toBe('<html>bad gateway</html>');
    expect(isTransient(proxy)).toBe(true);
    const lost = await failure(sendQuiet(kc, { method: 'POST', path: '/api/v1/reset', body: {}, contentType: 'application/json' }));
    expect(statusOf(lost)).toBeUndefined();
    expect(isTransient(lost)).toBe(true);
  });
});
