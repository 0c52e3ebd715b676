import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../client/drills.js';
import { exitCodeFor } from '../../client/outcomes.js';
import type { DrillResult } from '../../report/result.js';
import {
  claimNodes, deleteNamespaceAndWait, deleteWeb, deployWeb, drillSpec, markedRuns, nodeChanges, snapshotNodes, startWorker,
  type ClaimedNodes, type NodeState, type TestWorker,
} from '../support/drill.js';
import { createNamespace, eventually, kubeFor, readyPodZones, uniqueName } from '../support/kube.js';

// Whole drills run by a worker whose only rights are the ClusterRole shipped in deploy/, on the
// real apiserver with RBAC on: a ServiceAccount bound to it, a token from the TokenRequest API,
// and a kubeconfig holding only that token. Then the same with one rule taken away: the drill
// must fail before it changes anything, and say which permission is missing.

const stack = inject('stack');

const shippedRole = YAML.parse(readFileSync(new URL('../../deploy/20-clusterrole.yaml', import.meta.url), 'utf8')) as k8s.V1ClusterRole;

/** The shipped rules with one verb of one resource taken away. */
function without(resource: string, verb: string): k8s.V1PolicyRule[] {
  return (shippedRole.rules ?? []).flatMap((r) => {
    if (!r.resources?.includes(resource)) return [r];
    const rest = r.resources.filter((x) => x !== resource);
    const verbs = r.verbs.filter((v) => v !== verb);
    return [
      ...(rest.length ? [{ ...r, resources: rest }] : []),
      ...(verbs.length ? [{ ...r, resources: [resource], verbs }] : []),
    ];
  });
}

describe('drills under the least-privilege ClusterRole of deploy/', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const ns = uniqueName('rbac');
  const runs = new Set<string>();
  const clusterObjects: string[] = [];
  const workers: TestWorker[] = [];
  let dir: string;
  let nodes: ClaimedNodes;
  let pristine: Map<string, NodeState>;

  /**
   * A ServiceAccount bound only to a ClusterRole with `rules` (the shipped ones under this
   * file's own name), and a kubeconfig that holds nothing but its token.
   */
  async function credentials(name: string, rules: k8s.V1PolicyRule[]): Promise<{ kubeconfig: string; kc: k8s.KubeConfig }> {
    const objectName = `${ns}-${name}`;
    clusterObjects.push(objectName);
    await rbac.createClusterRole({ body: { ...shippedRole, metadata: { ...shippedRole.metadata, name: objectName }, rules } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name, namespace: ns } } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: objectName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: objectName },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      },
    });
    const review = await core.createNamespacedServiceAccountToken({ name, namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const token = review.status?.token;
    if (!token) throw new Error('the TokenRequest API returned no token');
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the stack kubeconfig has no cluster');
    const file = path.join(dir, `${name}.kubeconfig`);
    await writeFile(file, YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{
        name: 'firedrill-dev',
        cluster: {
          server: cluster.server,
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
        },
      }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: 'firedrill-dev', user: name } }],
      'current-context': name,
    }), { mode: 0o600 });
    const own = new k8s.KubeConfig();
    own.loadFromFile(file);
    // The RBAC authorizer picks the binding up from its cache a moment later.
    await eventually(`the binding of ${name} in effect`, async () => {
      await own.makeApiClient(k8s.CoreV1Api).listNode({ limit: 1 });
      return true;
    }, 30_000, 200);
    return { kubeconfig: file, kc: own };
  }

  async function workerWith(kubeconfig: string, env: Record<string, string> = {}): Promise<TestWorker> {
    const w = await startWorker(stack, { env: { KUBECONFIG: kubeconfig, ...env } });
    workers.push(w);
    return w;
  }

  async function run(w: TestWorker, overrides: Record<string, unknown>): Promise<DrillResult> {
    const spec = await drillSpec({ target: { type: 'nodes', selector: nodes.selector }, ...overrides });
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    return (await handle.result()) as DrillResult;
  }

  /**
   * Changes on this file's nodes since `before`, and marks of its runs anywhere. Other files may
   * claim other nodes meanwhile (tests run beside each other), so only these nodes are compared.
   */
  async function changesSince(before: Map<string, NodeState>): Promise<string[]> {
    const own = new Map([...before].filter(([name]) => nodes.names.includes(name)));
    const marked = [...(await markedRuns(kc))].filter(([run]) => runs.has(run)).map(([run, on]) => `run ${run} still marks ${on.join(', ')}`);
    return [...await nodeChanges(kc, own, { mine: runs, strict: nodes.names }), ...marked];
  }

  const readyProbe = (name: string, minReady: number) => ({
    name: `${name}-ready`, type: 'kubernetes', workload: { kind: 'Deployment', namespace: ns, name }, minReady,
    interval: '500ms', tolerance: { stableFor: '2s' },
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-rbac-'));
    pristine = await snapshotNodes(kc);
    await createNamespace(kc, ns);
    // The lease namespace, as deploy/00-namespace.yaml creates it: the worker may not create namespaces.
    await createNamespace(kc, 'firedrill').catch(() => undefined);
    nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-b', 'zone-c'] });
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await nodes?.release();
    for (const name of clusterObjects) {
      await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
      await rbac.deleteClusterRole({ name }).catch(() => undefined);
    }
    await deleteNamespaceAndWait(kc, ns);
    await rm(dir, { recursive: true, force: true });
    if (nodes) expect(await changesSince(pristine)).toEqual([]);
  });

  it('a drain drill with only the shipped rules completes, fails the workload over and restores every node', async () => {
    const sa = await credentials('worker', shippedRole.rules ?? []);
    // The token really is least-privileged: no secrets, no deleting pods.
    const saCore = sa.kc.makeApiClient(k8s.CoreV1Api);
    await expect(saCore.listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({ code: 403 });
    await expect(saCore.deleteNamespacedPod({ namespace: ns, name: 'anything' })).rejects.toMatchObject({ code: 403 });

    await deployWeb(kc, ns, 'web', nodes, { replicas: 2 });
    const before = await snapshotNodes(kc);
    const w = await workerWith(sa.kubeconfig);
    const r = await run(w, {
      probes: [readyProbe('web', 2)],
      objectives: [{ type: 'rto', probe: 'web-ready', target: '60s' }, { type: 'capacity', target: '60s' }],
    });

    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(exitCodeFor(r)).toBe(0);
    expect(r.plan?.targetNodes.map((n) => n.name).sort()).toEqual([...nodes.names].sort());
    expect(r.injection?.evicted).toBe(2);
    expect(r.injection?.notEvicted).toEqual([]);
    expect(r.restore?.nodes.map((n) => n.name).sort()).toEqual([...nodes.names].sort());
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    for (const p of await readyPodZones(kc, ns, 'web')) expect(nodes.names).not.toContain(p.node);
    expect(await changesSince(before)).toEqual([]);
    await deleteWeb(kc, ns, 'web');
  });

  it.each([
    { missing: 'patch nodes', resource: 'nodes', verb: 'patch', mode: 'cordon' },
    { missing: 'create pods/eviction', resource: 'pods/eviction', verb: 'create', mode: 'drain' },
    // The target lease is taken at preflight, its permissions asked like the others'.
    { missing: 'update leases.coordination.k8s.io in namespace firedrill', resource: 'leases', verb: 'update', mode: 'cordon' },
  ])('without $missing a $mode drill fails before any change and names the permission', async ({ missing, resource, verb, mode }) => {
    const sa = await credentials(`no-${verb}-${resource.replace('/', '-')}`, without(resource, verb));
    const name = `web-${verb}`;
    const placed = await deployWeb(kc, ns, name, nodes, { replicas: 1 });
    const before = await snapshotNodes(kc);
    const w = await workerWith(sa.kubeconfig);
    const r = await run(w, { fault: { mode }, probes: [readyProbe(name, 1)] });

    expect(r.outcome).toBe('error');
    expect(exitCodeFor(r)).toBe(2);
    expect(r.outcomeReason).toContain(`may not ${missing} (to `);
    expect(r.outcomeReason).toContain('nothing was changed');
    expect(r.injection).toBeNull();
    expect(r.restore).toBeNull();
    // Nothing moved, nothing was marked.
    expect(await changesSince(before)).toEqual([]);
    expect((await readyPodZones(kc, ns, name)).map((p) => p.pod)).toEqual(placed.map((p) => p.pod));
    await deleteWeb(kc, ns, name);
  });

  it('a drill whose target holds the worker\'s own node is refused before any change', async () => {
    const sa = await credentials('placed-worker', shippedRole.rules ?? []);
    const before = await snapshotNodes(kc);
    const w = await workerWith(sa.kubeconfig, { FIREDRILL_NODE_NAME: nodes.names[0] as string });
    const r = await run(w, { fault: { mode: 'drain' }, probes: [readyProbe('never-read', 1)] });

    expect(r.outcome).toBe('refused');
    expect(r.outcomeReason).toContain(`the firedrill worker runs on node ${nodes.names[0]}, inside the target (safety.allowWorkerInTarget is not set)`);
    expect(r.injection).toBeNull();
    expect(await changesSince(before)).toEqual([]);
  });
});
