import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createObserve, type ObserveResult } from '../../../activities/probes/observe.js';
import type { WorkloadRef } from '../../../drills/schema/index.js';
import { claimNodes, deleteNamespaceAndWait, deployWeb, type ClaimedNodes } from '../../support/drill.js';
import { pathOf, startStackProxy, type StackProxy } from '../../support/fault-proxy.js';
import { createNamespace, eventually, kubeFor, uniqueName } from '../../support/kube.js';

// What capacity observation costs the API server: the observe activity reaches it only through
// a counting proxy. Ten watched Deployments observed every second for ten seconds take one list
// and one watch of Deployments and of pods, where polling took two requests per workload per
// tick (about 200); a scale-up during the observation is still seen, from the watch. Under a
// role that grants list but no watch (the ClusterRole shipped in deploy/ without its watch verbs,
// as a cluster admin may trim it) it lists each resource once per interval.

const stack = inject('stack');
const WORKLOADS = 10;
const DURATION_MS = 10_000;
const shippedRole = YAML.parse(readFileSync(new URL('../../../deploy/20-clusterrole.yaml', import.meta.url), 'utf8')) as k8s.V1ClusterRole;
const listOnlyRole: k8s.V1ClusterRole = { ...shippedRole, rules: (shippedRole.rules ?? []).map((r) => ({ ...r, verbs: r.verbs.filter((v) => v !== 'watch') })) };

describe('capacity observed from watches on the real API server', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('drill-capw');
  let nodes: ClaimedNodes;
  let px: StackProxy;
  const role = `${ns}-worker`;

  beforeAll(async () => {
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 1, zones: ['zone-b', 'zone-c'] });
    // Each replica takes 3 s to become ready: the scale-up below is seen short before it is served.
    await Promise.all(Array.from({ length: WORKLOADS }, (_, i) => deployWeb(kc, ns, `w${i}`, nodes, { pinned: true, readyDelay: '3s' })));
    px = await startStackProxy(stack);
  });

  afterAll(async () => {
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.deleteClusterRoleBinding({ name: role }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: role }).catch(() => undefined);
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
    // Scaled once both watches are open and a tick has read the cache (w0 seen at 1 of 1 first):
    // a fixed second was not always enough on a loaded machine. The test's own change goes to
    // the API server directly, not through the proxy.
    await eventually('the watches of pods and deployments', async () => px.proxy.requests.slice(from).filter((q) => /[?&]watch=(true|1)/.test(q.url)).length >= 2, 8_000, 50);
    await new Promise((r) => setTimeout(r, 1_500));
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

  it('under a role with list and no watch: one list per resource and interval, every workload observed', async () => {
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    expect(shippedRole.rules?.some((r) => r.resources?.includes('pods') && r.verbs.includes('watch'))).toBe(true);
    await rbac.createClusterRole({ body: { ...listOnlyRole, metadata: { name: role } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'worker', namespace: ns } } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: 'worker', namespace: ns }],
      },
    });
    const token = (await core.createNamespacedServiceAccountToken({ name: 'worker', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token;
    if (!token) throw new Error('the TokenRequest API returned no token');
    const observed = new k8s.KubeConfig();
    observed.loadFromOptions({
      clusters: [{ name: 'proxy', server: px.proxy.url, skipTLSVerify: true }],
      users: [{ name: 'worker', token }],
      contexts: [{ name: 'worker', cluster: 'proxy', user: 'worker' }],
      currentContext: 'worker',
    });
    // The RBAC authorizer picks the binding up from its cache a moment later.
    await eventually('the binding in effect', async () => {
      await observed.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: ns, limit: 1 });
      return true;
    }, 30_000, 200);

    const workloads = Array.from({ length: WORKLOADS }, (_, i): WorkloadRef => ({ kind: 'Deployment', namespace: ns, name: `w${i}` }));
    const from = px.proxy.requests.length;
    const seconds = 5;
    const r = (await new MockActivityEnvironment().run(createObserve({ kc: observed }), {
      mode: 'hold' as const, probes: [], durationMs: seconds * 1_000, capacity: { workloads, targetNodes: [], intervalMs: 1_000 },
    })) as ObserveResult;
    const sent = px.proxy.requests.slice(from);
    const watches = sent.filter((q) => /[?&]watch=(true|1)/.test(q.url));
    const lists = sent.filter((q) => !watches.includes(q));
    console.info(`[capacity-watch] shipped role, ${WORKLOADS} workloads, ${seconds} s: ${sent.length} API requests (${watches.length} refused watches, ${lists.length} lists)`);

    expect(watches.map((q) => pathOf(q)).sort()).toEqual([`/api/v1/namespaces/${ns}/pods`, `/apis/apps/v1/namespaces/${ns}/deployments`]);
    expect(new Set(lists.map((q) => pathOf(q)))).toEqual(new Set([`/api/v1/namespaces/${ns}/pods`, `/apis/apps/v1/namespaces/${ns}/deployments`]));
    // About one list of each per second (the first two twice: before and after the refused watch).
    expect(lists.length).toBeGreaterThanOrEqual(2 * (seconds - 1));
    expect(lists.length).toBeLessThanOrEqual(2 * (seconds + 3));
    for (const c of r.capacity) {
      expect(c.desired, c.workload.name).toBeGreaterThanOrEqual(1);
      expect(c.readyOutside, c.workload.name).toBe(c.desired);
      // w0 was scaled by the test before: it may still be starting its second replica.
      if (c.workload.name !== 'w0') expect(c.segments.map((s) => s.healthy), c.workload.name).toEqual([true]);
    }
  });
});
