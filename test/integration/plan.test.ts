import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ClusterUnreachableError,
  KubeConfigError,
  loadKubeConfig,
  planDrill,
  type CensusSpec,
  type Plan,
} from '../../activities/census/index.js';
import { planFile } from '../../cli/commands/plan.js';
import { drillSpecSchema } from '../../drills/schema/index.js';
import { createNamespace, deleteNamespace, eventually, spreadDeployment, uniqueName } from '../support/kube.js';

// The census against the real local control plane (kwok nodes in zone-a/b/c): a spread
// Deployment, one pinned to zone-a behind a PDB that allows no disruption, and a StatefulSet
// whose volume can only attach in zone-a. Other tests may share the cluster, so every other
// namespace is declared protected: then "must move" is exactly what this test created.

const ZONE = 'topology.kubernetes.io/zone';
const MI = 2 ** 20;

// Under the integration project the stack comes from globalSetup; run alone, from KUBECONFIG.
const kubeconfig = (inject('stack') as { kubeconfig: string } | undefined)?.kubeconfig ?? process.env.KUBECONFIG;
if (!kubeconfig) throw new Error('no cluster: run under the integration project or set KUBECONFIG');
process.env.KUBECONFIG = kubeconfig;

function drillYaml(ns: string, zone: string, protectedNamespaces: string[], mode = 'drain'): string {
  return YAML.stringify({
    apiVersion: 'firedrill.dev/v1',
    kind: 'Drill',
    metadata: { name: 'plan-test', owner: 'tests' },
    target: { type: 'zone', zone },
    fault: { mode },
    timing: { hold: '30s', maxDuration: '5m' },
    probes: [{ name: 'spread-ready', type: 'kubernetes', workload: { kind: 'Deployment', namespace: ns, name: 'spread' }, minReady: 4 }],
    safety: { maxFraction: 0.5, protectedNamespaces },
  });
}

const specFor = (yaml: string): CensusSpec => drillSpecSchema.parse(YAML.parse(yaml));

describe('plan against the local cluster', () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const policy = kc.makeApiClient(k8s.PolicyV1Api);
  const ns = uniqueName('plan-test');
  const pvName = `${ns}-data`;
  let dir: string;
  let others: string[];
  let plan: Plan;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-test-'));
    await createNamespace(kc, ns);
    const requests = { cpu: '100m', memory: '64Mi' };
    await apps.createNamespacedDeployment({ namespace: ns, body: spreadDeployment(ns, 'spread', 6) });
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: spreadDeployment(ns, 'pinned', 2, { nodeSelector: { [ZONE]: 'zone-a' }, topologySpreadConstraints: [] }),
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: { metadata: { name: 'pinned' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'pinned' } } } },
    });
    // A volume that can only attach in zone-a, pre-bound to the claim the StatefulSet will create.
    await core.createPersistentVolume({
      body: {
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'plan-test-local',
          persistentVolumeReclaimPolicy: 'Retain',
          local: { path: '/mnt/plan-test' },
          claimRef: { namespace: ns, name: 'data-db-0' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-a'] }] }] } },
        },
      },
    });
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: {
              containers: [{ name: 'db', image: 'registry.invalid/db:1', resources: { requests },
                volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
            },
          },
          volumeClaimTemplates: [{
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'plan-test-local', resources: { requests: { storage: '1Gi' } } },
          }],
        },
      },
    });

    await eventually('all test pods ready and the PDB counted', async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns })).items;
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'pinned' });
      return ready.length === 9 && pdb.status?.expectedPods === 2 && pdb.status.currentHealthy === 2;
    }, 120_000);

    others = (await core.listNamespace()).items.map((n) => n.metadata?.name ?? '').filter((n) => n && n !== ns);
    plan = await planDrill(specFor(drillYaml(ns, 'zone-a', others)), loadKubeConfig());
  });

  afterAll(async () => {
    await deleteNamespace(kc, ns);
    await core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const mine = (p: Plan) => p.workloads.filter((w) => w.namespace === ns);

  it('takes the four zone-a nodes of twelve and allows the drill', () => {
    expect(plan.schemaVersion).toBe('firedrill.dev/plan/v1');
    expect(plan.target.nodes).toHaveLength(4);
    expect(plan.target.nodes.every((n) => n.zone === 'zone-a')).toBe(true);
    expect(plan.target.zones.filter((z) => z.zone).map((z) => [z.zone, z.nodes, z.targetNodes])).toEqual([
      ['zone-a', 4, 4], ['zone-b', 4, 0], ['zone-c', 4, 0],
    ]);
    expect(plan.verdict).toEqual({ allowed: true, reasons: [] });
  });

  it('finds the pinned Deployment and the zone-bound StatefulSet losing all replicas, not the spread one', () => {
    expect(plan.losesAll.filter((w) => w.namespace === ns)).toEqual([
      { kind: 'Deployment', namespace: ns, name: 'pinned' },
      { kind: 'StatefulSet', namespace: ns, name: 'db' },
    ]);
    const spread = mine(plan).find((w) => w.name === 'spread');
    expect(spread).toMatchObject({ kind: 'Deployment', desired: 6, ready: 6, losesAll: false, watched: true });
    expect(spread!.readyInTarget + spread!.readyOutside).toBe(6);
    expect(spread!.readyOutside).toBeGreaterThan(0);
    // ReplicaSets of the Deployments are rolled up, not listed.
    expect(mine(plan).map((w) => w.kind)).not.toContain('ReplicaSet');
  });

  it('reports the PDB that allows no disruption as blocking', () => {
    expect(plan.pdbs.filter((p) => p.namespace === ns)).toEqual([{
      namespace: ns,
      name: 'pinned',
      podsInTarget: 2,
      disruptionsAllowed: 0,
      blocking: true,
      reason: 'allows no disruption (minAvailable 2, 2/2 healthy): a drain cannot evict its 2 pods in the target',
    }]);
  });

  it('reports the zone-a volume with the pod that mounts it', () => {
    expect(plan.zoneBoundVolumes.filter((v) => v.name === pvName)).toEqual([
      { name: pvName, zone: 'zone-a', claim: `${ns}/data-db-0`, pods: [`${ns}/db-0`] },
    ]);
  });

  it('counts what must move and what stays Pending', async () => {
    const spreadInA = mine(plan).find((w) => w.name === 'spread')!.readyInTarget;
    const moving = 3 + spreadInA; // 2 pinned + db-0 + the spread replicas in zone-a
    expect(plan.capacity.mustMove).toEqual({ cpuMilli: 100 * moving, memoryBytes: 64 * MI * moving, pods: moving });
    expect(plan.capacity.pending.map((p) => [p.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''), p.cause, p.reason]).sort()).toEqual([
      ['db-0', 'pinned', `its volume ${pvName} can only attach inside the target`],
      ['pinned', 'pinned', `pinned to ${ZONE}=zone-a by its nodeSelector`],
      ['pinned', 'pinned', `pinned to ${ZONE}=zone-a by its nodeSelector`],
    ]);
    expect(plan.capacity.pinned).toBe(3);

    // The room outside: the schedulable zone-b/zone-c nodes, less what their pods request.
    const nodes = (await core.listNode()).items.filter((n) => n.metadata?.labels?.[ZONE] !== 'zone-a' && !n.spec?.unschedulable);
    const names = new Set(nodes.map((n) => n.metadata?.name));
    const podsOutside = (await core.listPodForAllNamespaces()).items
      .filter((p) => names.has(p.spec?.nodeName) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const o = plan.capacity.outside;
    expect(o.nodes).toBe(nodes.length);
    expect(o.allocatable).toEqual({ cpuMilli: 4000 * nodes.length, memoryBytes: 16 * 1024 * MI * nodes.length, pods: 110 * nodes.length });
    expect(o.requested.pods).toBe(podsOutside.length);
    expect(o.requested.cpuMilli).toBeGreaterThanOrEqual(100 * (6 - spreadInA));
    expect(o.free).toEqual({
      cpuMilli: o.allocatable.cpuMilli - o.requested.cpuMilli,
      memoryBytes: o.allocatable.memoryBytes - o.requested.memoryBytes,
      pods: o.allocatable.pods - o.requested.pods,
    });
  });

  it('says which protected pods a power loss kills all the same, where a drain leaves them', async () => {
    const zoneA = new Set(plan.target.nodes.map((n) => n.name));
    const inZoneA = (await core.listNamespacedPod({ namespace: ns })).items
      .filter((p) => zoneA.has(p.spec?.nodeName ?? '')).map((p) => p.metadata?.name ?? '').sort();
    expect(inZoneA.length).toBeGreaterThanOrEqual(3);
    const guarded = [...others, ns];
    const power = await planDrill(specFor(drillYaml(ns, 'zone-a', guarded, 'power-loss')), loadKubeConfig());
    expect(power.powerLossKills?.filter((p) => p.namespace === ns).map((p) => p.pod).sort()).toEqual(inZoneA);
    expect(power.warnings).toContainEqual(expect.stringMatching(new RegExp(`protectedNamespaces do not stop: .*${ns} ${inZoneA.length}`)));
    const drain = await planDrill(specFor(drillYaml(ns, 'zone-a', guarded)), loadKubeConfig());
    expect(drain.powerLossKills).toBeUndefined();
    expect(drain.notEvicted.filter((p) => p.namespace === ns).map((p) => p.pod).sort()).toEqual(inZoneA);
  });

  it('refuses a zone without nodes and names the zones that have them', async () => {
    const empty = await planDrill(specFor(drillYaml(ns, 'zone-x', others)), loadKubeConfig());
    expect(empty.verdict).toEqual({
      allowed: false,
      reasons: ['zone "zone-x" has no nodes; zones with nodes: zone-a (4), zone-b (4), zone-c (4)'],
    });
  });

  it('runs as the plan command: JSON on exit 0, refused on exit 1, errors on exit 2', async () => {
    const ok = join(dir, 'ok.yaml');
    const refused = join(dir, 'refused.yaml');
    await writeFile(ok, drillYaml(ns, 'zone-a', others));
    await writeFile(refused, drillYaml(ns, 'zone-x', others));
    const a = await planFile(ok, { json: true });
    expect(a.exitCode).toBe(0);
    expect(JSON.parse(a.lines.join('\n'))).toMatchObject({ schemaVersion: 'firedrill.dev/plan/v1', drill: 'plan-test' });
    const b = await planFile(refused);
    expect(b.exitCode).toBe(1);
    expect(b.lines.join('\n')).toContain('verdict: REFUSED');
    const c = await planFile(ok, { context: 'no-such-context' });
    expect(c).toMatchObject({ exitCode: 2, lines: [] });
    expect(c.errors[0]).toMatch(/kube context "no-such-context" does not exist in .*; contexts: firedrill-dev/);
  });

  it('names the contexts that exist when asked for an unknown one', () => {
    expect(() => loadKubeConfig('nope')).toThrow(KubeConfigError);
    expect(() => loadKubeConfig('nope')).toThrow(/kube context "nope" does not exist in KUBECONFIG=.*; contexts: firedrill-dev$/);
  });

  it('gives a ClusterUnreachableError within 15 s when the API server is not there', async () => {
    // A port just closed, not port 1: fetch refuses to dial ports on its bad-port list.
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const server = `https://127.0.0.1:${(closed.address() as net.AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const dead = new k8s.KubeConfig();
    dead.loadFromOptions({
      clusters: [{ name: 'dead', server, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'dead', cluster: 'dead', user: 'u' }],
      currentContext: 'dead',
    });
    const t0 = Date.now();
    const err = await planDrill(specFor(drillYaml(ns, 'zone-a', others)), dead).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach the Kubernetes API server at ${server}: .*ECONNREFUSED`));
  });
});
