import * as k8s from '@kubernetes/client-node';
import type { Simulator } from '../../simulator/server.js';
import { eventually, readyPodZones } from './kube.js';
import type { ClaimedNodes } from './node-claims.js';

// The test's workload: a web Deployment placed on the claimed nodes.

export interface WebOptions {
  replicas?: number;
  /** kwok's simulated startup time (scheduling to Ready). */
  readyDelay?: string;
  /** Only the claimed nodes (nodeSelector): cannot fail over. Otherwise they are only preferred. */
  pinned?: boolean;
  labels?: Record<string, string>;
  /**
   * Also wait until this simulator answers 200 for the Service. Ready pods are not enough: the
   * EndpointSlice and the simulator's poll of it follow a moment later, and a drill started in
   * that moment sees HTTP 503 in its baseline and is (rightly) refused.
   */
  servedBy?: Simulator;
}

/**
 * A Deployment and its Service, placed on the claimed nodes (preferred or pinned), and waits
 * until every replica is ready there. Returns the ready pods.
 */
export async function deployWeb(kc: k8s.KubeConfig, namespace: string, name: string, nodes: ClaimedNodes, opts: WebOptions = {}) {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const replicas = opts.replicas ?? 1;
  const onTarget: k8s.V1NodeSelectorRequirement = { key: nodes.key, operator: 'In', values: ['target'] };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, namespace },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: {
            labels: { app: name, ...opts.labels },
            annotations: { 'pod-ready.stage.kwok.x-k8s.io/delay': opts.readyDelay ?? '4s' },
          },
          spec: {
            tolerations: [nodes.toleration],
            ...(opts.pinned
              ? { nodeSelector: { [nodes.key]: 'target' } }
              : { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [onTarget] } }] } } }),
            containers: [{ name: 'web', image: 'registry.invalid/web:1', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
          },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  const pods = await eventually(`${replicas} ready replicas of ${name} on the claimed nodes`, async () => {
    const ready = await readyPodZones(kc, namespace, name);
    return ready.length === replicas && ready.every((p) => nodes.names.includes(p.node)) ? ready : undefined;
  }, 60_000, 250);
  if (opts.servedBy) await waitServed(opts.servedBy, namespace, name);
  return pods;
}

/** Waits until the simulator answers 200 for the service: what the drill's HTTP probe will see. */
async function waitServed(sim: Simulator, namespace: string, service: string, timeoutMs = 30_000): Promise<void> {
  await eventually(`the simulator serving ${namespace}/${service}`, async () => (await fetch(`${sim.url}/svc/${namespace}/${service}/`)).ok, timeoutMs, 100);
}

/** Deletes the Deployment and Service and waits until their pods are gone. */
export async function deleteWeb(kc: k8s.KubeConfig, namespace: string, name: string): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' }).catch(() => undefined);
  await core.deleteNamespacedService({ name, namespace }).catch(() => undefined);
  await eventually(`pods of ${name} gone`, async () =>
    (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items.length === 0, 60_000, 250);
}

/**
 * Deletes the namespace and waits until it is gone: its pods (and PDBs) would otherwise still
 * sit on the nodes the next file wants to claim.
 */
export async function deleteNamespaceAndWait(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
  await eventually(`namespace ${name} gone`, async () => {
    try {
      await core.readNamespace({ name });
      return false;
    } catch (err) {
      return (err as k8s.ApiException<unknown>).code === 404;
    }
  }, 120_000, 500);
}
