import http from 'node:http';
import * as k8s from '@kubernetes/client-node';

// The local service simulator: kwok pods run no code, so this process plays the services. It
// reads the cluster's ready endpoints and answers HTTP as a load balancer in front of them would,
// and it runs a replicated store (primary + lagging replica) on the StatefulSet's pods, so HTTP
// and RPO probes measure what the real controllers did. It also keeps the ground truth (when a
// service really went down and came back) for checking the drill's measurements.

export interface SimulatorOptions {
  kc: k8s.KubeConfig;
  port: number;
  host?: string;
  namespaces: string[];
  /** Replication lag of every store, ms. */
  replicationLagMs?: number;
  pollMs?: number;
}

interface Transition { at: string; up: boolean }

interface Store {
  /** Pod name currently acting as primary. */
  primary?: string;
  data: Array<{ seq: number; at: number; written: number }>;
  replica: Array<{ seq: number; at: number; written: number }>;
  failovers: Array<{ at: string; from?: string; to: string; lost: number }>;
}

export interface Simulator {
  url: string;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const core = opts.kc.makeApiClient(k8s.CoreV1Api);
  const discovery = opts.kc.makeApiClient(k8s.DiscoveryV1Api);
  const lag = opts.replicationLagMs ?? 3000;
  const ready = new Map<string, string[]>(); // "ns/svc" -> ready endpoint names
  const truth = new Map<string, Transition[]>();
  const readyPods = new Map<string, Set<string>>(); // "ns/app" -> ready pods (for stores)
  const stores = new Map<string, Store>();

  const poll = async () => {
    for (const namespace of opts.namespaces) {
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
        const history = truth.get(key) ?? [];
        if (history.at(-1)?.up !== up) history.push({ at: new Date().toISOString(), up });
        truth.set(key, history);
        ready.set(key, list);
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
      for (const [k, v] of byApp) readyPods.set(k, v);
    }
    tickStores();
  };

  /** Replication and failover: the replica copies writes older than the lag; a dead primary is replaced. */
  const tickStores = () => {
    const t = Date.now();
    for (const [key, store] of stores) {
      const pods = readyPods.get(key) ?? new Set<string>();
      store.replica = store.data.filter((d) => d.written <= t - lag);
      if (store.primary && pods.has(store.primary)) continue;
      const next = [...pods].sort()[0];
      if (!next) continue;
      if (store.primary) {
        // Promote the replica: what it had not received yet is gone.
        const lost = store.data.length - store.replica.length;
        store.data = [...store.replica];
        store.failovers.push({ at: new Date(t).toISOString(), from: store.primary, to: next, lost });
      }
      store.primary = next;
    }
  };

  const storeFor = (key: string): Store => {
    let s = stores.get(key);
    if (!s) {
      s = { data: [], replica: [], failovers: [] };
      stores.set(key, s);
      tickStores();
    }
    return s;
  };

  let polling = true;
  let lastError = '';
  const loop = (async () => {
    while (polling) {
      try {
        await poll();
        lastError = '';
      } catch (err) {
        lastError = String((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  })();
  await poll().catch(() => undefined);

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
    const [kind, ns, name, sub] = parts;
    if (kind === 'healthz') return send(res, lastError ? 503 : 200, lastError || 'ok');
    if (!ns || !name) return send(res, 404, 'not found');
    const key = `${ns}/${name}`;
    if (kind === 'svc') {
      const eps = ready.get(key) ?? [];
      return eps.length ? send(res, 200, `ok ${name} via ${eps[0]}`) : send(res, 503, `no ready endpoints for ${key}`);
    }
    if (kind === 'truth') return send(res, 200, { service: key, transitions: truth.get(key) ?? [] });
    if (kind === 'store' && sub === 'markers') {
      const store = storeFor(key);
      const primaryUp = store.primary !== undefined && (readyPods.get(key)?.has(store.primary) ?? false);
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
      await loop;
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
