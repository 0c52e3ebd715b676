import fs from 'node:fs';
import path from 'node:path';
import { stateRoot } from '../devstack/paths.js';
import { loadConfig, type Config } from '../worker/config.js';
import type { TemporalTarget } from '../client/connection.js';

/**
 * Configuration for commands: the environment first; where TEMPORAL_ADDRESS / KUBECONFIG are
 * unset and the embedded dev stack has written its status, the dev stack's addresses.
 */
export function resolveConfig(env: NodeJS.ProcessEnv = process.env): Config & { uiUrl?: string } {
  const merged: NodeJS.ProcessEnv = { ...env };
  let uiUrl = env.FIREDRILL_TEMPORAL_UI;
  const statusFile = path.join(stateRoot(env), 'stack.json');
  if (fs.existsSync(statusFile)) {
    try {
      const s = JSON.parse(fs.readFileSync(statusFile, 'utf8')) as { temporalAddress?: string; kubeconfig?: string; temporalUiUrl?: string };
      if (!env.TEMPORAL_ADDRESS && s.temporalAddress) {
        merged.TEMPORAL_ADDRESS = s.temporalAddress;
        uiUrl ??= s.temporalUiUrl;
      }
      if (!env.KUBECONFIG && s.kubeconfig) merged.KUBECONFIG = s.kubeconfig;
    } catch {
      // A damaged status file only loses the defaults.
    }
  }
  return { ...loadConfig(merged), ...(uiUrl ? { uiUrl } : {}) };
}

export function temporalTarget(c: Config & { uiUrl?: string }): TemporalTarget {
  return { address: c.TEMPORAL_ADDRESS, namespace: c.TEMPORAL_NAMESPACE, taskQueue: c.FIREDRILL_TASK_QUEUE, ...(c.uiUrl ? { uiUrl: c.uiUrl } : {}) };
}
