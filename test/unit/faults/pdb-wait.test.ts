import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { budgetNamed, drainNodes, type PdbWait } from '../../../activities/faults/drain.js';
import { panelLines } from '../../../cli/follow.js';
import type { DrillView } from '../../../client/follow-view.js';

// What a drain waits for is said by name: the pod a PodDisruptionBudget holds and the budget,
// from the Eviction API's own refusal, up to the live panel.

// The body kube-apiserver answers a refused eviction with (policy/v1, Kubernetes 1.34).
const refusal = JSON.stringify({
  kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 429, reason: 'TooManyRequests',
  message: 'Cannot evict pod as it would violate the pod\'s disruption budget.',
  details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
});

describe('a drain waiting on a PodDisruptionBudget', () => {
  it('names the budget from the refusal', () => {
    expect(budgetNamed(new k8s.ApiException(429, 'Too Many Requests', refusal, {}))).toBe('web-pdb');
    expect(budgetNamed(new k8s.ApiException(429, 'Too Many Requests', '{}', {}))).toBeUndefined();
  });

  it('reports the pod and the budget it waits for while it retries', async () => {
    const pod: k8s.V1Pod = { metadata: { name: 'web-0', namespace: 'shop' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running' } };
    const core = {
      listPodForAllNamespaces: async () => ({ items: [pod], metadata: {} }),
      listNamespacedPod: async () => ({ items: [pod], metadata: {} }),
      createNamespacedPodEviction: async () => { throw new k8s.ApiException(429, 'Too Many Requests', refusal, {}); },
    } as unknown as k8s.CoreV1Api;
    const seen: Array<PdbWait | undefined> = [];
    const stop = new AbortController();
    await drainNodes(core, ['n1'], {
      concurrency: 2, protectedNamespaces: [], evictionTimeoutMs: 60_000, signal: stop.signal,
      onProgress: (p) => { seen.push(p.waitingOn); stop.abort(); },
    }, { retries: 0 });
    expect(seen[0]).toEqual({ pod: 'shop/web-0', budget: 'web-pdb' });
  });

  it('shows it in the live panel', () => {
    const view: DrillView = {
      workflowId: 'pangyo-zone-loss-20261201T093000Z', phase: 'inject', startedAt: '2026-12-01T09:30:00.000Z', elapsedMs: 40_000, t0: null,
      probes: [], inject: { nodesDone: 4, evicted: 37, blocked: 3, waitingOn: { pod: 'demo/payments-7d9-abcde', budget: 'payments' } },
    };
    expect(panelLines(view, Date.parse('2026-12-01T09:30:40.000Z'))).toContain('            waiting on PodDisruptionBudget payments for demo/payments-7d9-abcde and 2 more pod(s)');
  });
});
