import http from 'node:http';
import type * as k8s from '@kubernetes/client-node';
import { DEFAULT_FRONT, type FrontOptions } from './front.js';
import { createSites, type Site, type Sites } from './sites.js';
import { createClusterWatch, type ClusterWatch } from './watch.js';
import { newZoneStore, tickZoneStore, type ZoneStore } from './zone-store.js';

// The local service simulator: kwok pods run no code, so this process plays the services. It
// reads the cluster's ready endpoints and answers HTTP as a load balancer in front of them would,
// and it runs a replicated store (primary + lagging replica) on the StatefulSet's pods, so HTTP
// and RPO probes measure what the real controllers did. It also keeps the ground truth (when a
// service really went down and came back) for checking the drill's measurements.
//
// With `sites`, it also plays what sits between two clusters: a global front that fails traffic
// over between them, a store replicated from the first site to the second, and each site's
// monitoring (see sites.ts for the routes).

export interface SimulatorOptions {
  kc: k8s.KubeConfig;
  port: number;
  host?: string;
  namespaces: string[];
  /** Replication lag of every store, ms. */
  replicationLagMs?: number;
  pollMs?: number;
  /** Two (or more) clusters in order of preference; the first is usually `kc`'s. */
  sites?: Array<{ name: string; kc: k8s.KubeConfig }>;
  /** The global front's health checks (defaults in front.ts). */
  front?: Partial<Omit<FrontOptions, 'sites'>>;
  /** Replication lag between the sites' stores, ms (default 3000). */
  siteLagMs?: number;
  /** "ns/svc" of a site's monitoring (default monitoring/prometheus). */
  monitoringService?: string;
}

export interface Simulator {
  url: string;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const lag = opts.replicationLagMs ?? 3000;
  const main = createClusterWatch(opts.kc, opts.namespaces);
  const stores = new Map<string, ZoneStore>();

  const siteWatches: Site[] = (opts.sites ?? []).map((s) => ({
    name: s.name, watch: s.kc === opts.kc ? main : createClusterWatch(s.kc, opts.namespaces),
  }));
  const front = { ...DEFAULT_FRONT, ...opts.front };
  const sites: Sites | undefined = siteWatches.length
    ? createSites(siteWatches, { front, lagMs: opts.siteLagMs ?? 3000, monitoringService: opts.monitoringService ?? 'monitoring/prometheus' })
    : undefined;
  const watches: ClusterWatch[] = [main, ...siteWatches.map((s) => s.watch).filter((w) => w !== main)];

  const tickStores = () => {
    const t = Date.now();
    for (const [key, store] of stores) tickZoneStore(store, main.view.readyPods.get(key) ?? new Set<string>(), t, lag);
  };

  const storeFor = (key: string): ZoneStore => {
    let s = stores.get(key);
    if (!s) {
      s = newZoneStore();
      stores.set(key, s);
      tickStores();
    }
    return s;
  };

  let polling = true;
  let lastError = '';
  const pollAll = async () => {
    // One cluster that does not answer must not leave the others' views stale.
    const results = await Promise.allSettled(watches.map((w) => w.poll()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // As before sites existed: the zone stores move only on a fresh view of their cluster.
    if (results[0]?.status === 'fulfilled') tickStores();
    sites?.replicate(Date.now());
    if (failed) throw failed.reason;
  };
  const loop = (async () => {
    while (polling) {
      try {
        await pollAll();
        lastError = '';
      } catch (err) {
        lastError = String((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  })();
  await pollAll().catch(() => undefined);
  // The front's health checks keep their own clock, like a GSLB's, apart from the polling.
  const checks = sites ? setInterval(() => sites.check(Date.now()), front.intervalMs) : undefined;
  sites?.check(Date.now());

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
    const [kind, ns, name, sub] = parts;
    if (kind === 'healthz') return send(res, lastError ? 503 : 200, lastError || 'ok');
    if (sites?.handle(parts, req, res, send)) return;
    if (!ns || !name) return send(res, 404, 'not found');
    const key = `${ns}/${name}`;
    if (kind === 'svc') {
      const eps = main.view.ready.get(key) ?? [];
      return eps.length ? send(res, 200, `ok ${name} via ${eps[0]}`) : send(res, 503, `no ready endpoints for ${key}`);
    }
    if (kind === 'truth') return send(res, 200, { service: key, transitions: main.view.truth.get(key) ?? [] });
    if (kind === 'store' && sub === 'markers') {
      const store = storeFor(key);
      const primaryUp = store.primary !== undefined && (main.view.readyPods.get(key)?.has(store.primary) ?? false);
      if (!primaryUp) return send(res, 503, `store ${key} has no ready primary`);
      if (req.method === 'POST') {
        let raw = '';
        req.on('data', (c: Buffer) => { raw += c.toString(); });
        req.on('end', () => {
          try {
            const m = JSON.parse(raw) as { seq: number; at: number };
            if (typeof m.seq !== 'number') return send(res, 400, 'seq must be a number');
            store.data.push({ seq: m.seq, at: m.at, written: Date.now() });
            send(res, 201, { ack: m.seq, primary: store.primary });
          } catch {
            send(res, 400, 'body must be JSON { seq, at }');
          }
        });
        return;
      }
      return send(res, 200, { primary: store.primary, markers: store.data.map((d) => d.seq) });
    }
    if (kind === 'store' && sub === 'failovers') return send(res, 200, { failovers: storeFor(key).failovers });
    return send(res, 404, 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${opts.port}`,
    async close() {
      polling = false;
      if (checks) clearInterval(checks);
      await loop;
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
