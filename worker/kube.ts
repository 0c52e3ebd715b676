import type * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';

/** One KubeConfig per kube context, loaded from KUBECONFIG (or in-cluster) once and reused. */
export function kubeConfigs(kubeconfigPath?: string): (context?: string) => k8s.KubeConfig {
  const cache = new Map<string, k8s.KubeConfig>();
  return (context?: string) => {
    const key = context ?? '';
    let kc = cache.get(key);
    if (!kc) {
      kc = new PooledKubeConfig();
      if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
      else kc.loadFromDefault();
      if (context) {
        if (!kc.getContexts().some((c) => c.name === context)) {
          throw new Error(`kube context "${context}" not found; contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`);
        }
        kc.setCurrentContext(context);
      }
      cache.set(key, kc);
    }
    return kc;
  };
}
