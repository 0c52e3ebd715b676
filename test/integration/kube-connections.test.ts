import diagnostics from 'node:diagnostics_channel';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PooledKubeConfig } from '../../activities/kube/pooled-config.js';

// Against the real kube-apiserver: the client library alone opens a TLS connection per request;
// the pooled KubeConfig that the worker, the CLI and the bench use reuses them.

const stack = inject('stack');
let connections = 0;
const count = () => { connections++; };
diagnostics.subscribe('undici:client:connected', count);
afterAll(() => { diagnostics.unsubscribe('undici:client:connected', count); });

async function reads(kc: k8s.KubeConfig, n: number, concurrency: number): Promise<number> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const limit = pLimit(concurrency);
  const before = connections;
  await Promise.all(Array.from({ length: n }, () => limit(() => core.readNamespace({ name: 'default' }))));
  return connections - before;
}

describe('connections to the API server', () => {
  it('a plain KubeConfig opens one per request (the behaviour the pool exists for)', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(stack.kubeconfig);
    expect(await reads(kc, 40, 1)).toBe(40);
  });

  it('the pooled KubeConfig reuses them: 200 reads, 10 at a time, over at most 10 connections', async () => {
    const kc = new PooledKubeConfig();
    kc.loadFromFile(stack.kubeconfig);
    try {
      const opened = await reads(kc, 200, 10);
      expect(opened).toBeGreaterThanOrEqual(1);
      expect(opened).toBeLessThanOrEqual(10);
      // And one at a time afterwards: the connections are kept, none is opened.
      expect(await reads(kc, 40, 1)).toBe(0);
    } finally {
      await kc.close();
    }
  });
});
