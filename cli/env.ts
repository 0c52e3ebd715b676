import fs from 'node:fs';
import path from 'node:path';
import type { TemporalTarget } from '../client/connection.js';
import { stateRoot } from '../devstack/paths.js';
import { loadConfig, temporalSecurity, type Config } from '../worker/config.js';

// The one place where commands get their configuration: the environment first; where a
// variable is unset and the embedded stack is running, the stack's value. Every command sees the
// same result because main.ts applies the defaults to the environment before any command runs.

interface StackFile {
  running?: boolean; temporalAddress?: string; kubeconfig?: string; temporalUiUrl?: string;
  temporal?: { tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string } };
}

/** The running embedded stack's addresses, by the variable they stand in for. */
export function stackDefaults(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const statusFile = path.join(stateRoot(env), 'stack.json');
  let s: StackFile;
  try {
    s = JSON.parse(fs.readFileSync(statusFile, 'utf8')) as StackFile;
  } catch {
    // No stack, or a damaged status file: no defaults.
    return {};
  }
  if (s.running === false) return {};
  const out: Record<string, string> = {};
  if (s.temporalAddress) out.TEMPORAL_ADDRESS = s.temporalAddress;
  if (s.kubeconfig) out.KUBECONFIG = s.kubeconfig;
  // The UI belongs to the stack's Temporal: only a default when Temporal is the stack's too.
  if (s.temporalUiUrl && !env.TEMPORAL_ADDRESS) out.FIREDRILL_TEMPORAL_UI = s.temporalUiUrl;
  // The real server's mTLS files go with its address (the tower `dev up` starts names it), never
  // with another one the environment names.
  const tls = s.temporal?.tls;
  if (tls && (!env.TEMPORAL_ADDRESS || env.TEMPORAL_ADDRESS === s.temporalAddress)) {
    if (tls.caFile) out.TEMPORAL_TLS_CA = tls.caFile;
    if (tls.certFile && tls.keyFile) Object.assign(out, { TEMPORAL_TLS_CERT: tls.certFile, TEMPORAL_TLS_KEY: tls.keyFile });
    if (tls.serverName) out.TEMPORAL_TLS_SERVER_NAME = tls.serverName;
  }
  return out;
}

/** Sets every unset variable the running stack can answer; returns the names it set. */
export function applyStackDefaults(env: NodeJS.ProcessEnv = process.env): string[] {
  const applied: string[] = [];
  for (const [name, value] of Object.entries(stackDefaults(env))) {
    if (env[name]) continue;
    env[name] = value;
    applied.push(name);
  }
  return applied;
}

export function resolveConfig(env: NodeJS.ProcessEnv = process.env): Config & { uiUrl?: string } {
  const merged: NodeJS.ProcessEnv = { ...env };
  applyStackDefaults(merged);
  const uiUrl = merged.FIREDRILL_TEMPORAL_UI;
  return { ...loadConfig(merged), ...(uiUrl ? { uiUrl } : {}) };
}

export function temporalTarget(c: Config & { uiUrl?: string }): TemporalTarget {
  return {
    address: c.TEMPORAL_ADDRESS, namespace: c.TEMPORAL_NAMESPACE, taskQueue: c.FIREDRILL_TASK_QUEUE, ...(c.uiUrl ? { uiUrl: c.uiUrl } : {}),
    security: temporalSecurity(c),
  };
}
