import * as k8s from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createObserve, type ObserveResult } from '../../../activities/probes/observe.js';
import type { WorkloadRef } from '../../../drills/schema/index.js';
import { claimNodes, deleteNamespaceAndWait, deployWeb, type ClaimedNodes } from '../../support/drill.js';
import { pathOf, startStackProxy, type StackProxy } from '../../support/fault-proxy.js';
import { createNamespace, kubeFor, uniqueName } from '../../support/kube.js';

// What capacity observation costs the API server: the observe activity reaches it only through
// a counting proxy. Ten watched Deployments observed every second for ten seconds take one list
// and one watch of Deployments and of pods, where polling took two requests per workload per
// tick (about 200); a scale-up during the observation is still seen, from the watch.

const stack = inject('stack');
const WORKLOADS = 10;
const DURATION_MS = 10_000;

describe('capacity observed from watches on the real API server', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('drill-capw');
  let nodes: ClaimedNodes;
  let px: StackProxy;

  beforeAll(async () => {
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 1, zones: ['zone-b', 'zone-c'] });
    // Each replica takes 3 s to become ready: the scale-up below is seen short before it is served.
    await Promise.all(Array.from({ length: WORKLOADS }, (_, i) => deployWeb(kc, ns, `w${i}`, nodes, { pinned: true, readyDelay: '3s' })));
    px = await startStackProxy(stack);
  });

  afterAll(async () => {
    await px?.close();
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
  });

  it(`${WORKLOADS} Deployments for ${DURATION_MS / 1000} s: a list and a watch per resource, and a scale-up observed`, async () => {
    const observed = new k8s.KubeConfig();
    observed.loadFromFile(px.kubeconfig);
    const workloads = Array.from({ length: WORKLOADS }, (_, i): WorkloadRef => ({ kind: 'Deployment', namespace: ns, name: `w${i}` }));
    const from = px.proxy.requests.length;
    const run = new MockActivityEnvironment().run(createObserve({ kc: observed }), {
      mode: 'hold' as const, probes: [], durationMs: DURATION_MS, capacity: { workloads, targetNodes: [], intervalMs: 1_000 },
    });
    // The test's own change goes to the API server directly, not through the proxy.
    await new Promise((r) => setTimeout(r, 1_000));
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'w0', namespace: ns });
    await apps.replaceNamespacedDeploymentScale({ name: 'w0', namespace: ns, body: { ...scale, spec: { replicas: 2 } } });
    const r = (await run) as ObserveResult;
    const sent = px.proxy.requests.slice(from).map((q) => `${q.method} ${pathOf(q)}${/[?&]watch=(true|1)/.test(q.url) ? ' (watch)' : ''}`);
    console.info(`[capacity-watch] ${WORKLOADS} workloads, ${DURATION_MS / 1000} s: ${sent.length} API requests: ${sent.join(', ')}`);

    expect(sent.length, sent.join('\n')).toBeLessThan(10);
    expect([...sent].sort(), sent.join('\n')).toEqual([
      `GET /api/v1/namespaces/${ns}/pods`,
      `GET /api/v1/namespaces/${ns}/pods (watch)`,
      `GET /apis/apps/v1/namespaces/${ns}/deployments`,
      `GET /apis/apps/v1/namespaces/${ns}/deployments (watch)`,
    ]);

    expect(r.capacity).toHaveLength(WORKLOADS);
    for (const c of r.capacity.slice(1)) {
      expect(c, c.workload.name).toMatchObject({ desired: 1, readyOutside: 1 });
      expect(c.segments.map((s) => s.healthy), c.workload.name).toEqual([true]);
      expect(c.segments[0]?.count, c.workload.name).toBeGreaterThanOrEqual(8);
    }
    // Scaled to 2: one replica short while the new one starts, then both ready.
    const w0 = r.capacity[0];
    expect(w0).toMatchObject({ desired: 2, readyOutside: 2 });
    expect(w0?.segments.map((s) => s.healthy)).toEqual([true, false, true]);
    expect(w0?.segments[1]?.error).toBe('1/2 ready outside the target');
  });
});
