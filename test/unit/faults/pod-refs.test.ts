import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clientPodPages, podRef, podsToDrain, POD_PAGE, type PodPages } from '../../../activities/faults/pod-refs.js';

// A drain lists pods per node with a field selector, page by page, and keeps only what it needs
// to evict and to report them: never the pod objects themselves.

const pod = (name: string, node: string, extra: Partial<k8s.V1ObjectMeta> = {}, phase = 'Running'): k8s.V1Pod => ({
  metadata: {
    name, namespace: 'shop', uid: `uid-${name}`, labels: { app: 'web' }, annotations: { big: 'x'.repeat(1000) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9', uid: 'rs', controller: true }],
    managedFields: [{ manager: 'kube-controller-manager' }], ...extra,
  },
  spec: { nodeName: node, containers: [{ name: 'app', image: 'pause' }] },
  status: { phase, conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('the pods a drain keeps', () => {
  it('are name, namespace, uid, node and owner only', () => {
    expect(podRef(pod('web-1', 'n1'))).toEqual({ namespace: 'shop', name: 'web-1', uid: 'uid-web-1', node: 'n1', owner: 'ReplicaSet/web-7d9' });
    expect(podRef({ metadata: { name: 'bare', namespace: 'x' } })).toEqual({ namespace: 'x', name: 'bare', uid: '', node: '' });
  });

  it('are listed per node with a field selector, page by page, and classified as they come', async () => {
    const calls: Array<{ fieldSelector?: string; limit?: number; _continue?: string }> = [];
    const pages: Record<string, k8s.V1Pod[][]> = {
      n1: [[pod('a', 'n1'), pod('done', 'n1', {}, 'Succeeded')], [pod('b', 'n1')]],
      n2: [[pod('agent', 'n2', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds', controller: true }] }),
        pod('locked', 'n2', { namespace: 'kube-system' })]],
    };
    const core = {
      listPodForAllNamespaces: async (q: { fieldSelector?: string; limit?: number; _continue?: string }) => {
        calls.push(q);
        const node = q.fieldSelector?.replace('spec.nodeName=', '') ?? '';
        const i = q._continue ? Number(q._continue) : 0;
        const list = pages[node] ?? [];
        return { items: list[i] ?? [], metadata: i + 1 < list.length ? { _continue: String(i + 1) } : {} };
      },
    } as unknown as k8s.CoreV1Api;
    const out = await podsToDrain(clientPodPages(core), ['n1', 'n2'], ['kube-system'], { retries: 0 }, 4);
    expect(out.toEvict.map((p) => p.name).sort()).toEqual(['a', 'b']);
    expect(out.toEvict.every((p) => Object.keys(p).every((k) => ['namespace', 'name', 'uid', 'node', 'owner'].includes(k)))).toBe(true);
    expect(out.skipped).toBe(3);
    expect(out.refused).toEqual([{ pod: expect.objectContaining({ name: 'locked' }), reason: expect.stringMatching(/kube-system is protected/) }]);
    expect(calls.every((c) => c.limit === POD_PAGE && /^spec\.nodeName=n[12]$/.test(c.fieldSelector ?? ''))).toBe(true);
    expect(calls.filter((c) => c._continue === '1')).toHaveLength(1);
  });

  it('count a page once when it is retried after failing halfway through', async () => {
    let attempts = 0;
    // The first attempt hands over one pod, then the connection breaks (a 503): the retry reads the page again.
    const pages: PodPages = async (_query, onPod) => {
      attempts++;
      onPod(pod('a', 'n1'));
      if (attempts === 1) throw new k8s.ApiException(503, 'unavailable', undefined, {});
      onPod(pod('b', 'n1'));
      onPod(pod('agent', 'n1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds', controller: true }] }));
      return {};
    };
    const counter = { retries: 0 };
    const out = await podsToDrain(pages, ['n1'], [], counter, 1);
    expect(attempts).toBe(2);
    expect(counter.retries).toBe(1);
    expect(out.toEvict.map((p) => p.name)).toEqual(['a', 'b']);
    expect(out.skipped).toBe(1);
  });
});
