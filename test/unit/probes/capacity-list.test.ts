import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeWatchSource } from '../../../activities/probes/capacity-watch.js';
import { isReady, podSlim, thinObject, workloadSlim } from '../../../activities/probes/capacity.js';

// The capacity watch's list: page by page, each object cut to what capacity reads (pods item by
// item as the page streams in, from a loopback server speaking the API's list format).

const pod = (i: number, ready = true) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `web-${i}`, namespace: 'shop', uid: `u${i}`, labels: { app: 'web' }, annotations: { big: 'x'.repeat(500) }, managedFields: [{ manager: 'kubelet' }] },
  spec: { nodeName: `node-${i % 3}`, containers: [{ name: 'app', image: 'web:1' }] },
  status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'app', ready }] },
});

describe('thinObject', () => {
  it('keeps every field capacity reads: the slims of a thinned object are those of the whole one', () => {
    const p = { ...pod(1), metadata: { ...pod(1).metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } };
    for (const o of [pod(1), pod(2, false), p]) {
      expect(podSlim(thinObject(o))).toEqual(podSlim(o));
      expect(isReady(thinObject(o))).toBe(isReady(o));
    }
    const deploy = { metadata: { name: 'web', namespace: 'shop', annotations: { a: 'b' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: {} }, status: { readyReplicas: 3 } };
    const ds = { metadata: { name: 'agent', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'agent' } } }, status: { desiredNumberScheduled: 12 } };
    expect(workloadSlim('Deployment', thinObject(deploy))).toEqual(workloadSlim('Deployment', deploy));
    expect(workloadSlim('DaemonSet', thinObject(ds))).toEqual(workloadSlim('DaemonSet', ds));
    expect(JSON.stringify(thinObject(pod(1)))).not.toMatch(/annotations|managedFields|containers/);
  });
});

async function serveLists(answer: (url: URL) => unknown): Promise<{ kc: KubeConfig; urls: URL[]; close: () => void }> {
  const urls: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    urls.push(url);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer(url)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x',
  });
  return { kc, urls, close: () => server.close() };
}

describe('the list of kubeWatchSource', () => {
  it('reads pods page by page with limit and continue, item by item, keeping the first page\'s resource version', async () => {
    const all = Array.from({ length: 1234 }, (_, i) => pod(i));
    const { kc, urls, close } = await serveLists((url) => {
      const from = Number(url.searchParams.get('continue') ?? 0);
      const to = Math.min(all.length, from + Number(url.searchParams.get('limit') ?? all.length));
      return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: from === 0 ? '100' : '999', ...(to < all.length ? { continue: String(to) } : {}) }, items: all.slice(from, to) };
    });
    try {
      const l = await kubeWatchSource(kc, { context: undefined, resource: 'pods', namespace: 'shop' }).list();
      expect(urls.map((u) => `${u.pathname}?${u.searchParams.toString()}`)).toEqual([
        '/api/v1/namespaces/shop/pods?limit=500', '/api/v1/namespaces/shop/pods?continue=500&limit=500', '/api/v1/namespaces/shop/pods?continue=1000&limit=500',
      ]);
      expect(l.items).toHaveLength(1234);
      expect(l.resourceVersion).toBe('100');
      expect(l.items[7]).toEqual(thinObject(all[7]));
    } finally {
      close();
    }
  });

  it('reads workloads through the client, thinned the same way', async () => {
    const deploy = (i: number) => ({ metadata: { name: `web-${i}`, namespace: 'shop', annotations: { a: 'b' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: {} } });
    const { kc, urls, close } = await serveLists(() => ({ kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: '7' }, items: [deploy(1), deploy(2)] }));
    try {
      const l = await kubeWatchSource(kc, { context: undefined, resource: 'deployments', namespace: undefined }).list();
      expect(urls.map((u) => u.pathname)).toEqual(['/apis/apps/v1/deployments']);
      expect(l.resourceVersion).toBe('7');
      expect(l.items).toHaveLength(2);
      expect(workloadSlim('Deployment', l.items[1])).toEqual(workloadSlim('Deployment', deploy(2)));
      expect(JSON.stringify(l.items)).not.toMatch(/annotations|template/);
    } finally {
      close();
    }
  });
});
