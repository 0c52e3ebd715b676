import * as k8s from '@kubernetes/client-node';
import { waitFor } from './procs.js';

// The sample workload's life between demo runs: a fresh placement, and the wait until it is ready.

/**
 * Restarts the sample Deployments so each run starts from the scheduler's own placement: a
 * previous drill leaves replicas in the surviving zones, which would make the next one trivial.
 */
export async function restartDeployments(kc: k8s.KubeConfig, namespace: string): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const at = new Date().toISOString();
  for (const d of (await apps.listNamespacedDeployment({ namespace })).items) {
    await apps.patchNamespacedDeployment({
      name: d.metadata?.name ?? '', namespace,
      body: { spec: { template: { metadata: { annotations: { 'firedrill.dev/restarted-at': at } } } } },
    }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  }
}

/** Waits until every Deployment and StatefulSet in the namespace has all its replicas ready. */
export async function waitWorkloadReady(kc: k8s.KubeConfig, namespace: string, timeoutMs = 120_000): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let last = '';
  await waitFor(`the workloads in ${namespace}`, async () => {
    const [d, s] = await Promise.all([apps.listNamespacedDeployment({ namespace }), apps.listNamespacedStatefulSet({ namespace })]);
    // Ready and fully rolled out: no replicas of an older template left.
    const pending = [...d.items, ...s.items]
      .filter((w) => (w.status?.readyReplicas ?? 0) < (w.spec?.replicas ?? 1)
        || (w.status?.updatedReplicas ?? 0) < (w.spec?.replicas ?? 1)
        || (w.status?.replicas ?? 0) > (w.spec?.replicas ?? 1))
      .map((w) => `${w.metadata?.name} ${w.status?.readyReplicas ?? 0}/${w.spec?.replicas ?? 1}`);
    last = pending.join(', ');
    return pending.length === 0;
  }, timeoutMs, async () => `not ready: ${last}`);
}
