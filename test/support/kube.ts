import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { StackStatus } from '../../devstack/stack.js';

export function kubeFor(stack: StackStatus): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  return kc;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export async function createNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

export async function deleteNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name }).catch(() => undefined);
}

/** Polls until check returns a truthy value (returned) or the timeout passes (throws with the last value). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String((last as Error)?.message ?? JSON.stringify(last))}`);
}

export function spreadDeployment(namespace: string, name: string, replicas: number, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          topologySpreadConstraints: [{
            maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { app: name } },
          }],
          containers: [{ name: 'app', image: 'registry.invalid/app:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
          ...extra,
        },
      },
    },
  };
}

/** Ready pods of an app label, with the zone of the node each runs on. */
export async function readyPodZones(kc: k8s.KubeConfig, namespace: string, app: string): Promise<Array<{ pod: string; node: string; zone: string }>> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const [pods, nodes] = await Promise.all([
    core.listNamespacedPod({ namespace, labelSelector: `app=${app}` }),
    core.listNode(),
  ]);
  const zoneOf = new Map(nodes.items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.['topology.kubernetes.io/zone'] ?? '']));
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => ({ pod: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '', zone: zoneOf.get(p.spec?.nodeName ?? '') ?? '' }));
}
