import { createHash } from 'node:crypto';
import type { AgentOptions } from 'node:https';
import * as k8s from '@kubernetes/client-node';

// @kubernetes/client-node 2 builds a new undici Agent for every request (its
// applySecurityAuthentication calls createDispatcher each time), so no connection is ever
// reused: every call pays a TCP and TLS handshake and leaves its socket open until the
// keep-alive timeout (2,000 reads: 2,000 connections, bench/connections.ts). This KubeConfig
// hands out one Agent per distinct TLS identity instead; the Agent pools connections.

type Dispatcher = NonNullable<ReturnType<k8s.RequestContext['getDispatcher']>>;
type MakeDispatcher = (this: k8s.KubeConfig, cluster: k8s.Cluster | null, agentOptions: AgentOptions) => Dispatcher | undefined;

/** Agents kept per KubeConfig: one per identity; more only when certificates rotate. */
const MAX_AGENTS = 4;

/** What makes two dispatchers interchangeable: their kind, proxy and every TLS option (certificates by content). */
export function dispatcherKey(opts: ReturnType<k8s.KubeConfig['createDispatcherOptions']>): string {
  const h = createHash('sha256');
  const feed = (v: unknown): void => {
    if (Buffer.isBuffer(v)) h.update(v);
    else if (Array.isArray(v)) v.forEach(feed);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) {
        h.update(`\0${k}=`);
        feed(x);
      }
    } else h.update(String(v));
  };
  feed(opts);
  return h.digest('hex');
}

export class PooledKubeConfig extends k8s.KubeConfig {
  private readonly agents = new Map<string, Dispatcher>();

  constructor() {
    super();
    const make = (k8s.KubeConfig.prototype as unknown as { createDispatcher?: MakeDispatcher }).createDispatcher;
    // A client release without the hook pools nothing; the unit test of this module fails then.
    if (typeof make !== 'function') return;
    const pooled: MakeDispatcher = (cluster, agentOptions) => {
      const key = dispatcherKey(this.createDispatcherOptions(cluster, agentOptions));
      const kept = this.agents.get(key);
      if (kept) return kept;
      const made = make.call(this, cluster, agentOptions);
      if (!made) return made;
      this.agents.set(key, made);
      // Rotated certificates leave old agents behind: the oldest is closed once its requests end.
      for (const [k, old] of this.agents) {
        if (this.agents.size <= MAX_AGENTS) break;
        this.agents.delete(k);
        void old.close().catch(() => undefined);
      }
      return made;
    };
    Object.defineProperty(this, 'createDispatcher', { value: pooled });
  }

  /** Agents made so far (for tests and diagnostics). */
  get agentCount(): number {
    return this.agents.size;
  }

  /** Closes the pooled connections; later requests open new ones. */
  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }
}
