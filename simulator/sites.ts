import type http from 'node:http';
import { failoverMs, FrontRecord, type FrontOptions } from './front.js';
import { answerQuery } from './prometheus.js';
import { GeoStore } from './replication.js';
import type { ClusterWatch } from './watch.js';

// Two sites behind one front: traffic through the global front, the store replicated across the
// sites, each site's own endpoints and monitoring. Every route reads what the site watches saw.
//
//   GET  /sites                              the sites, the front's settings, the replication lag
//   GET  /front/<ns>/<svc>                   a request through the front (200 from the site it
//                                            sends to, 503 while that site has no ready endpoint)
//   GET  /front-truth/<ns>/<svc>             the front's ground truth: every switch and its time
//   GET  /site/<site>/svc/<ns>/<svc>         one site's service, directly
//   GET  /site/<site>/truth/<ns>/<svc>       when that site's service went down and came back
//   POST /geo/<ns>/<app>/markers             write { seq, at } to the replicated store's primary
//   GET  /geo/<ns>/<app>/markers             read back { primary, markers } from the primary
//   GET  /geo-truth/<ns>/<app>               promotions with the writes each one lost
//   GET  /prom/<site>/api/v1/query?query=Q   the site's monitoring, Prometheus-style; also
//        /api/v1/query?query=Q{site="…"}    (the site as a label; the first site without one)

export interface Site {
  name: string;
  watch: ClusterWatch;
}

export interface SitesOptions {
  front: Omit<FrontOptions, 'sites'>;
  /** Replication lag from the first site's store to the second's, ms. */
  lagMs: number;
  /** "ns/svc" of each site's monitoring (its Prometheus). */
  monitoringService: string;
}

type Send = (res: http.ServerResponse, status: number, body: unknown) => void;

export interface Sites {
  /** One health-check round of every front record and replicated store. */
  check(now: number): void;
  /** Replication between checks, so the lag is kept to the poll's resolution. */
  replicate(now: number): void;
  /** Answers the request when it is a site route; false otherwise. */
  handle(parts: string[], req: http.IncomingMessage, res: http.ServerResponse, send: Send): boolean;
}

export function createSites(sites: Site[], opts: SitesOptions): Sites {
  const names = sites.map((s) => s.name);
  const byName = new Map(sites.map((s) => [s.name, s]));
  const fronts = new Map<string, FrontRecord>();
  const stores = new Map<string, GeoStore>();
  const endpoints = (site: string, key: string) => byName.get(site)?.watch.view.ready.get(key) ?? [];
  const storeUp = (key: string) => (site: string) => (byName.get(site)?.watch.view.readyPods.get(key)?.size ?? 0) > 0;

  const frontFor = (key: string) => {
    let f = fronts.get(key);
    if (!f) {
      f = new FrontRecord({ ...opts.front, sites: names });
      fronts.set(key, f);
    }
    return f;
  };
  const storeFor = (key: string) => {
    let s = stores.get(key);
    if (!s) {
      s = new GeoStore({
        primary: names[0] as string, replica: (names[1] ?? names[0]) as string, lagMs: opts.lagMs,
        failureThreshold: opts.front.failureThreshold, successThreshold: opts.front.successThreshold,
      });
      stores.set(key, s);
    }
    return s;
  };

  const check = (now: number) => {
    // Every service any site has gets its record from the start, so its history is complete.
    for (const s of sites) for (const key of s.watch.view.ready.keys()) frontFor(key);
    for (const [key, f] of fronts) f.check(now, (site) => endpoints(site, key).length > 0);
    for (const [key, s] of stores) s.check(now, storeUp(key));
  };
  const replicate = (now: number) => {
    for (const [key, s] of stores) s.replicate(now, storeUp(key));
  };

  const config = () => ({
    sites: names,
    preferred: names[0],
    front: { ...opts.front, failoverMs: failoverMs(opts.front) },
    replication: { from: names[0], to: names[1], lagMs: opts.lagMs },
    monitoringService: opts.monitoringService,
  });

  const handle: Sites['handle'] = (parts, req, res, send) => {
    const [kind, a, b, c, d] = parts;
    const now = Date.now();
    switch (kind) {
      case 'sites':
        send(res, 200, config());
        return true;
      case 'front': {
        if (!a || !b) return false;
        const key = `${a}/${b}`;
        const site = frontFor(key).servedBy(now);
        const eps = endpoints(site, key);
        if (eps.length) send(res, 200, `ok ${b} via ${site}/${eps[0]}`);
        else send(res, 503, `no ready endpoints for ${key} in ${site} (the front sends traffic there)`);
        return true;
      }
      case 'front-truth': {
        if (!a || !b) return false;
        const key = `${a}/${b}`;
        const f = frontFor(key);
        send(res, 200, {
          service: key, preferred: names[0], servedBy: f.servedBy(now), failoverMs: failoverMs(opts.front), options: f.options,
          switches: f.switches, health: Object.fromEntries(f.health),
          sites: Object.fromEntries(sites.map((s) => [s.name, s.watch.view.truth.get(key) ?? []])),
        });
        return true;
      }
      case 'site': {
        const site = a ? byName.get(a) : undefined;
        if (!site || !c || !d) return false;
        const key = `${c}/${d}`;
        if (b === 'svc') {
          const eps = site.watch.view.ready.get(key) ?? [];
          if (eps.length) send(res, 200, `ok ${d} via ${site.name}/${eps[0]}`);
          else send(res, 503, `no ready endpoints for ${key} in ${site.name}`);
          return true;
        }
        if (b === 'truth') {
          send(res, 200, { site: site.name, service: key, transitions: site.watch.view.truth.get(key) ?? [] });
          return true;
        }
        return false;
      }
      case 'geo': {
        if (!a || !b || c !== 'markers') return false;
        const key = `${a}/${b}`;
        const store = storeFor(key);
        if (req.method === 'POST') {
          let raw = '';
          req.on('data', (chunk: Buffer) => { raw += chunk.toString(); });
          req.on('end', () => {
            let m: { seq?: unknown; at?: unknown };
            try {
              m = JSON.parse(raw) as typeof m;
            } catch {
              return send(res, 400, 'body must be JSON { seq, at }');
            }
            if (typeof m.seq !== 'number') return send(res, 400, 'seq must be a number');
            const w = store.write(Date.now(), { seq: m.seq, at: typeof m.at === 'number' ? m.at : Date.now() }, storeUp(key));
            if (w.ok) send(res, 201, { ack: m.seq, primary: w.primary });
            else send(res, 503, `store ${key}: ${w.reason}`);
          });
          return true;
        }
        const r = store.read(storeUp(key));
        if (r.ok) send(res, 200, { primary: r.primary, markers: r.markers });
        else send(res, 503, `store ${key}: ${r.reason}`);
        return true;
      }
      case 'geo-truth': {
        if (!a || !b) return false;
        const store = storeFor(`${a}/${b}`);
        send(res, 200, { store: `${a}/${b}`, primary: store.primary, lagMs: opts.lagMs, promotions: store.promotions });
        return true;
      }
      case 'prom':
      case 'api': {
        // /prom/<site>/api/v1/query, or /api/v1/query with the site as a `site` label (probes
        // resolve /api/v1/query against the server's root).
        const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
        const [siteName, rest] = kind === 'prom' ? [a, [b, c, d]] : [/\bsite\s*=\s*"([^"]*)"/.exec(query)?.[1] ?? names[0], [kind, a, b]];
        const site = siteName ? byName.get(siteName) : undefined;
        if (!site || rest.join('/') !== 'api/v1/query') return false;
        const answer = answerQuery(site.watch.view, opts.monitoringService, query.replace(/,?\s*\bsite\s*=\s*"[^"]*"/, '').replace('{,', '{'), now);
        send(res, answer.status, answer.body);
        return true;
      }
      default:
        return false;
    }
  };

  return { check, replicate, handle };
}
