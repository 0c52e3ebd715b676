import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../kube/pooled-config.js';
import { KubeConfigError } from './errors.js';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Where loadFromDefault will read from, or undefined when there is nothing to read. */
function configSource(): string | undefined {
  const env = process.env.KUBECONFIG;
  if (env) return `KUBECONFIG=${env}`;
  const home = path.join(os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return home;
  if (fs.existsSync(SERVICE_ACCOUNT_TOKEN)) return 'the in-cluster service account';
  return undefined;
}

/**
 * The kubeconfig of KUBECONFIG (or ~/.kube/config, or in-cluster), switched to `context` when
 * given. Without this check the client would silently fall back to http://localhost:8080.
 */
export function loadKubeConfig(context?: string): KubeConfig {
  const source = configSource();
  if (!source) throw new KubeConfigError('no kubeconfig: set KUBECONFIG or create ~/.kube/config');
  const kc = new PooledKubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new KubeConfigError(`cannot load the kubeconfig from ${source}: ${(err as Error).message}`);
  }
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      const known = names.length ? names.join(', ') : 'none';
      throw new KubeConfigError(`kube context "${context}" does not exist in ${source}; contexts: ${known}`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeConfigError(`the kubeconfig from ${source} has no cluster for context "${kc.getCurrentContext()}"`);
  }
  return kc;
}
