import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatcherKey, PooledKubeConfig } from '../../../activities/kube/pooled-config.js';

// One connection pool per TLS identity: the client library builds a new Agent (and so a new
// connection) for every request; the pooled KubeConfig hands the same one back.

const options = (user: string) => ({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }],
  users: [{ name: user, token: 't' }],
  contexts: [{ name: 'x', cluster: 'c', user }],
  currentContext: 'x',
});

async function dispatcherOf(kc: k8s.KubeConfig) {
  const ctx = new k8s.RequestContext('https://127.0.0.1:6443/api/v1/nodes', k8s.HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

const open: PooledKubeConfig[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((kc) => kc.close())); });

describe('PooledKubeConfig', () => {
  it('the plain KubeConfig makes a new dispatcher for every request (why this exists)', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions(options('u'));
    const a = await dispatcherOf(kc);
    const b = await dispatcherOf(kc);
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
  });

  it('hands every request of one identity the same dispatcher', async () => {
    const kc = new PooledKubeConfig();
    open.push(kc);
    kc.loadFromOptions(options('u'));
    const first = await dispatcherOf(kc);
    const all = await Promise.all(Array.from({ length: 20 }, () => dispatcherOf(kc)));
    expect(first).toBeDefined();
    expect(all.every((d) => d === first)).toBe(true);
    expect(kc.agentCount).toBe(1);
  });

  it('keeps the headers per request: the token is not pooled with the connection', async () => {
    const kc = new PooledKubeConfig();
    open.push(kc);
    kc.loadFromOptions(options('u'));
    const ctx = new k8s.RequestContext('https://127.0.0.1:6443/api', k8s.HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    expect(ctx.getHeaders().Authorization).toBe('Bearer t');
  });

  it('another certificate is another pool', () => {
    const a = dispatcherKey({ type: 'agent', connect: { ca: Buffer.from('ca-1'), keepAlive: true } } as ReturnType<k8s.KubeConfig['createDispatcherOptions']>);
    const b = dispatcherKey({ type: 'agent', connect: { ca: Buffer.from('ca-2'), keepAlive: true } } as ReturnType<k8s.KubeConfig['createDispatcherOptions']>);
    const a2 = dispatcherKey({ type: 'agent', connect: { keepAlive: true, ca: Buffer.from('ca-1') } } as ReturnType<k8s.KubeConfig['createDispatcherOptions']>);
    expect(a).not.toBe(b);
    expect(a).toBe(a2);
  });
});
