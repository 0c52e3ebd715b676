import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { isPdbRefusal } from '../../../activities/faults/drain.js';
import { isTransient, networkCause, retryAfterMs, statusOf, withApiRetry, type RetryCounter } from '../../../activities/kube/retry.js';

// What the Kubernetes client really throws, from a loopback server that misbehaves on purpose:
// undici reports a lost connection as "fetch failed" with the socket's error as its cause, so
// retries must look at the cause, while API answers stay ApiExceptions with status and body.

type Behaviour = (socket: net.Socket, request: number) => void;

const servers: net.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

async function serve(behaviour: Behaviour): Promise<string> {
  let requests = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => behaviour(socket, ++requests));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

function core(server: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc.makeApiClient(k8s.CoreV1Api);
}

function answer(socket: net.Socket, status: string, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const head = Object.entries({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status}\r\n${head}\r\n${text}`);
}

const statusBody = (code: number, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });
const evict = (c: k8s.CoreV1Api) => c.createNamespacedPodEviction({ name: 'db-0', namespace: 'shop', body: { metadata: { name: 'db-0', namespace: 'shop' } } });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);

describe('errors of the Kubernetes client', () => {
  it('a refused connection is transient and names ECONNREFUSED', async () => {
    const url = await serve(() => undefined);
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 20));
    const err = await failure(core(url).listNode());
    expect(statusOf(err)).toBeUndefined();
    expect(networkCause(err)?.code).toBe('ECONNREFUSED');
    expect(isTransient(err)).toBe(true);
  });

  it('a reset connection and one closed without an answer are transient', async () => {
    const reset = await failure(core(await serve((s) => s.resetAndDestroy())).listNode());
    expect(isTransient(reset)).toBe(true);
    const closed = await failure(core(await serve((s) => s.end())).listNode());
    expect(networkCause(closed)?.code).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(isTransient(closed)).toBe(true);
  });

  it('retries through a lost answer until the API answers', async () => {
    const url = await serve((s, n) => (n < 3 ? s.resetAndDestroy() : answer(s, '200 OK', { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [] })));
    const counter: RetryCounter = { retries: 0 };
    const out = await withApiRetry(() => core(url).listNode(), counter, { baseMs: 10 });
    expect(out.items).toEqual([]);
    expect(counter.retries).toBe(2);
  });

  it('throttling is an ApiException 429 with its Retry-After, and is not a PDB refusal', async () => {
    const err = await failure(evict(core(await serve((s) => answer(s, '429 Too Many Requests', statusBody(429, 'too many requests, please try again later'), { 'retry-after': '2' })))));
    expect(err).toBeInstanceOf(k8s.ApiException);
    expect(statusOf(err)).toBe(429);
    expect(retryAfterMs(err)).toBe(2000);
    expect(isTransient(err)).toBe(true);
    expect(isPdbRefusal(err)).toBe(false);
  });

  it('a PodDisruptionBudget refusal (429, or 500 for a budget being processed) is recognised', async () => {
    const pdb = await failure(evict(core(await serve((s) => answer(s, '429 Too Many Requests', statusBody(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.'))))));
    expect(isPdbRefusal(pdb)).toBe(true);
    const processing = await failure(evict(core(await serve((s) => answer(s, '500 Internal Server Error', statusBody(500, 'the disruption budget x needs to be processed'))))));
    expect(isPdbRefusal(processing)).toBe(true);
  });

  it('a 404 is an answer, not a transient failure', async () => {
    const err = await failure(core(await serve((s) => answer(s, '404 Not Found', statusBody(404, 'nodes "n9" not found')))).readNode({ name: 'n9' }));
    expect(statusOf(err)).toBe(404);
    expect(isTransient(err)).toBe(false);
  });
});
