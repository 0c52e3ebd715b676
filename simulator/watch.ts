import * as k8s from '@kubernetes/client-node';

// What the simulator knows of one cluster, read by polling: the ready endpoints of every
// Service, the ready pods of every app (stores run on them), and the ground truth of when each
// Service lost its last ready endpoint and got one back.

export interface Transition { at: string; up: boolean }

export interface ClusterView {
  /** "ns/svc" -> names of its ready endpoints. */
  ready: Map<string, string[]>;
  truth: Map<string, Transition[]>;
  /** "ns/app" (the pod label `app`) -> its ready pods. */
  readyPods: Map<string, Set<string>>;
}

export interface ClusterWatch {
  view: ClusterView;
  /** One read of every namespace; throws when the API server does not answer. */
  poll(): Promise<void>;
}

export function createClusterWatch(kc: k8s.KubeConfig, namespaces: string[]): ClusterWatch {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  const view: ClusterView = { ready: new Map(), truth: new Map(), readyPods: new Map() };

  const poll = async () => {
    for (const namespace of namespaces) {
      const [slices, pods] = await Promise.all([
        discovery.listNamespacedEndpointSlice({ namespace }),
        core.listNamespacedPod({ namespace }),
      ]);
      const now = new Map<string, string[]>();
      for (const s of slices.items) {
        const svc = s.metadata?.labels?.['kubernetes.io/service-name'];
        if (!svc) continue;
        const key = `${namespace}/${svc}`;
        const list = now.get(key) ?? [];
        for (const e of s.endpoints ?? []) if (e.conditions?.ready) list.push(e.targetRef?.name ?? e.addresses[0] ?? '');
        now.set(key, list);
      }
      for (const [key, list] of now) {
        const up = list.length > 0;
        const history = view.truth.get(key) ?? [];
        if (history.at(-1)?.up !== up) history.push({ at: new Date().toISOString(), up });
        view.truth.set(key, history);
        view.ready.set(key, list);
      }
      const byApp = new Map<string, Set<string>>();
      for (const p of pods.items) {
        const app = p.metadata?.labels?.app;
        if (!app) continue;
        const isReady = !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
        const set = byApp.get(`${namespace}/${app}`) ?? new Set<string>();
        if (isReady) set.add(p.metadata?.name ?? '');
        byApp.set(`${namespace}/${app}`, set);
      }
      // An app whose pods are all gone has no ready pod, not a stale set.
      for (const key of view.readyPods.keys()) if (key.startsWith(`${namespace}/`) && !byApp.has(key)) byApp.set(key, new Set());
      for (const [k, v] of byApp) view.readyPods.set(k, v);
    }
  };
  return { view, poll };
}
