import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { markFields, NODE_PAGE, readTargetNodes, type NodePages } from '../../../activities/faults/target-nodes.js';

// The inject keeps only its target nodes, and of each only what a mark reads: never the node
// objects of the whole cluster, nor their status and managedFields.

const node = (name: string, extra: Partial<k8s.V1NodeSpec> = {}): k8s.V1Node => ({
  metadata: {
    name, uid: `uid-${name}`, resourceVersion: '42', labels: { 'topology.kubernetes.io/zone': 'zone-a' },
    annotations: { 'node.alpha.kubernetes.io/ttl': '0' }, managedFields: [{ manager: 'kwok' }],
  },
  spec: { taints: [{ key: 'other', value: 'x', effect: 'NoSchedule', timeAdded: '2026-12-01T10:00:00Z' as unknown as Date }], ...extra },
  status: { conditions: [{ type: 'Ready', status: 'True' }], images: [{ names: ['pause'], sizeBytes: 1 }] },
});

describe('the nodes an inject keeps', () => {
  it('are identity, version, labels, annotations, cordon and taints only, the dates as the server sent them', () => {
    expect(markFields(node('n1', { unschedulable: false }))).toEqual({
      metadata: {
        name: 'n1', uid: 'uid-n1', resourceVersion: '42', labels: { 'topology.kubernetes.io/zone': 'zone-a' },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: { unschedulable: false, taints: [{ key: 'other', value: 'x', effect: 'NoSchedule', timeAdded: '2026-12-01T10:00:00Z' }] },
    });
    expect(markFields({ metadata: { name: 'bare' } })).toEqual({ metadata: { name: 'bare' }, spec: {} });
  });

  it('are the named ones of every page', async () => {
    const queries: Array<{ limit: number; _continue?: string }> = [];
    const all = [[node('a'), node('b')], [node('c'), node('d')]];
    const pages: NodePages = async (query, onNode) => {
      queries.push(query);
      const i = query._continue ? Number(query._continue) : 0;
      for (const n of all[i] ?? []) onNode(n);
      return i + 1 < all.length ? { _continue: String(i + 1) } : {};
    };
    const out = await readTargetNodes(pages, new Set(['b', 'c', 'gone']), { retries: 0 });
    expect([...out.keys()].sort()).toEqual(['b', 'c']);
    expect(out.get('c')).toEqual(markFields(node('c')));
    expect(queries).toEqual([{ limit: NODE_PAGE }, { limit: NODE_PAGE, _continue: '1' }]);
  });

  it('are counted once when a page is retried after failing halfway through', async () => {
    let attempts = 0;
    const pages: NodePages = async (_query, onNode) => {
      attempts++;
      onNode(node('a'));
      if (attempts === 1) throw new k8s.ApiException(503, 'unavailable', undefined, {});
      onNode(node('b'));
      return {};
    };
    const counter = { retries: 0 };
    const out = await readTargetNodes(pages, new Set(['a', 'b']), counter);
    expect([...out.keys()].sort()).toEqual(['a', 'b']);
    expect(attempts).toBe(2);
    expect(counter.retries).toBe(1);
  });
});
