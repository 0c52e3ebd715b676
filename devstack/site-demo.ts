import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import type { FrontOptions } from '../simulator/front.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { applyManifestFile } from './apply.js';
import { projectRoot } from './paths.js';
import { SITE_A, SITE_B } from './sites.js';
import { waitWorkloadReady } from './workloads.js';

// The two-site demo's set-up: the sample shop on both sites (ops console and monitoring on
// site-a only), and the simulator playing the global front and the store replicated between them.

export const SITE_DRILL = path.join(projectRoot, 'drills', 'pangyo-site-loss.yaml');

/** What each site runs, by manifest file, and the namespaces the simulator watches. */
export const SITE_WORKLOADS: Record<string, string[]> = {
  [SITE_A.name]: [path.join(projectRoot, 'demo', 'workload.yaml'), path.join(projectRoot, 'demo', 'monitoring.yaml')],
  [SITE_B.name]: [path.join(projectRoot, 'demo', 'workload-site-b.yaml')],
};
export const SITE_NAMESPACES = ['demo', 'monitoring'];

/** The front of the site drill: 3 failed checks 1 s apart and a 2 s TTL, so traffic moves within 5 s. */
export const SITE_FRONT: Omit<FrontOptions, 'sites'> = { intervalMs: 1000, failureThreshold: 3, successThreshold: 3, ttlMs: 2000 };
export const SITE_LAG_MS = 3000;

/** One client per site, from the stack's admin kubeconfig. */
export function siteClients(kubeconfig: string): { a: k8s.KubeConfig; b: k8s.KubeConfig } {
  const of = (context: string) => {
    const kc = new PooledKubeConfig();
    kc.loadFromFile(kubeconfig);
    kc.setCurrentContext(context);
    return kc;
  };
  return { a: of(SITE_A.context), b: of(SITE_B.context) };
}

/** Applies each site's manifests and waits until every workload of both sites is ready. */
export async function applySiteWorkloads(sites: { a: k8s.KubeConfig; b: k8s.KubeConfig }, progress: (m: string) => void): Promise<void> {
  for (const [site, kc] of [[SITE_A.name, sites.a], [SITE_B.name, sites.b]] as const) {
    let n = 0;
    for (const file of SITE_WORKLOADS[site] ?? []) n += (await applyManifestFile(kc, file)).length;
    progress(`${site}: applied ${n} objects of the sample workload`);
  }
  await Promise.all([
    ...SITE_NAMESPACES.map((ns) => waitWorkloadReady(sites.a, ns)),
    waitWorkloadReady(sites.b, 'demo'),
  ]);
}

export function startSiteSimulator(sites: { a: k8s.KubeConfig; b: k8s.KubeConfig }, port: number, opts: { pollMs?: number } = {}): Promise<Simulator> {
  return startSimulator({
    kc: sites.a, port, namespaces: SITE_NAMESPACES, pollMs: opts.pollMs,
    sites: [{ name: SITE_A.name, kc: sites.a }, { name: SITE_B.name, kc: sites.b }],
    front: SITE_FRONT, siteLagMs: SITE_LAG_MS,
  });
}

interface FrontTruth {
  switches: Array<{ at: string; decidedAt: string; from: string; to: string }>;
  sites: Record<string, Array<{ at: string; up: boolean }>>;
}
interface StoreTruth { promotions: Array<{ at: string; from: string; to: string; kind: string; lost: number; lostFrom: string | null; lostTo: string | null }> }

const secs = (from: string, to: string) => `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;

/** The simulator's ground truth after a site drill, in a few lines: when traffic and data moved, what was lost. */
export async function siteTruthLines(simUrl: string, since: string, restoredAt?: string): Promise<string[]> {
  const get = async <T>(p: string) => (await (await fetch(`${simUrl}${p}`)).json()) as T;
  const front = await get<FrontTruth>('/front-truth/demo/storefront');
  const store = await get<StoreTruth>('/geo-truth/demo/orders');
  const lines: string[] = ['ground truth (service simulator):'];
  const lostAt = front.sites[SITE_A.name]?.find((t) => !t.up && t.at >= since)?.at;
  for (const s of front.switches.filter((x) => x.at >= since)) {
    const after = s.to === SITE_B.name && lostAt ? ` (${secs(lostAt, s.at)} after site-a's storefront lost its last endpoint)`
      : s.to === SITE_A.name && restoredAt ? ` (${secs(restoredAt, s.at)} after restore)` : '';
    lines.push(`  front: storefront traffic ${s.from} -> ${s.to} at ${s.at}${after}`);
  }
  for (const p of store.promotions.filter((x) => x.at >= since)) {
    const window = p.lostFrom && p.lostTo ? `, acknowledged ${p.lostFrom} .. ${p.lostTo}` : '';
    const back = p.to === SITE_A.name && restoredAt ? ` (${secs(restoredAt, p.at)} after restore)` : '';
    lines.push(`  store: ${p.kind} ${p.from} -> ${p.to} at ${p.at}${back}: ${p.lost} acknowledged write(s) lost${window}`);
  }
  if (lines.length === 1) lines.push('  nothing moved');
  return lines;
}
