import fs from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import {
  apiGet, controlPlaneNames, ensureServiceAccountKey, kubeFiles, readToken, startControlPlane, type ControlPlane, type KubeProcs,
} from './kube.js';
import { countNodes, DEV_LAYOUT, reconcileNodes, type NodeCounts, type NodeLayout } from './nodes.js';
import type { StackPorts } from './ports.js';
import { runningPid, stopProcess, waitFor } from './procs.js';
import { processRss } from './rss.js';

// A second site: another real control plane (apiserver, controllers, scheduler, kwok) on the
// stack's etcd under its own key prefix, with its own nodes in its own zones. Sharing etcd keeps
// the second cluster cheap; nothing else is shared but the admin token, so the two clusters see
// nothing of each other's objects. Both sites are contexts of the stack's admin kubeconfig.

export interface SiteDef {
  name: string;
  /** The kube context that reaches it in the admin kubeconfig. */
  context: string;
  layout: NodeLayout;
}

export const SITE_A: SiteDef = { name: 'site-a', context: 'site-a', layout: DEV_LAYOUT };
export const SITE_B: SiteDef = { name: 'site-b', context: 'site-b', layout: { zones: ['zone-d', 'zone-e'], region: 'dev-region-2' } };

/** The context site-a has in a one-site stack (the stack's only context). */
export const DEFAULT_CONTEXT = 'firedrill-dev';

const SITE_B_PREFIX = 'site-b-';

export interface SiteStatus {
  name: string;
  context: string;
  apiServer: string;
  zones: string[];
  region: string;
  running: boolean;
  nodesPerZone: NodeCounts;
  /** Resident memory of the site's own processes (etcd is the stack's, counted for site-a). */
  rssBytes?: number;
}

function siteBDir(stateDir: string): string {
  return path.join(kubeFiles(stateDir).dir, 'site-b');
}

/** Site-b's own kubeconfig, for its controllers, scheduler and kwok. */
function siteBKubeconfigFile(stateDir: string): string {
  return path.join(siteBDir(stateDir), 'site-b.kubeconfig');
}

function siteBControlPlane(stateDir: string, ports: StackPorts): ControlPlane {
  const dir = siteBDir(stateDir);
  return {
    prefix: SITE_B_PREFIX, label: ' (site-b)', etcdPort: ports.etcd, etcdPrefix: '/site-b',
    apiserverPort: ports.siteBApiserver, kwokPort: ports.siteBKwok,
    kubeconfig: siteBKubeconfigFile(stateDir), saKey: path.join(dir, 'sa.key'), saPub: path.join(dir, 'sa.pub'),
    tokens: kubeFiles(stateDir).tokens, certDir: path.join(dir, 'pki'),
  };
}

export const SITE_B_COMPONENTS: readonly string[] = controlPlaneNames({ prefix: SITE_B_PREFIX });

/** Whether this stack has a second site: `up --sites 2` marked it, `down` clears the mark. */
export async function siteBConfigured(stateDir: string): Promise<boolean> {
  return fs.access(path.join(siteBDir(stateDir), 'site.json')).then(() => true, () => false);
}

function kubeconfigDoc(server: string, token: string, context: string) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'firedrill-admin', user: { token } }],
    contexts: [{ name: context, context: { cluster: context, user: 'firedrill-admin' } }],
    'current-context': context,
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.rename(tmp, file);
}

/**
 * The admin kubeconfig with both sites: firedrill-dev stays the current context (site-a, as in
 * a one-site stack) and site-a and site-b are added, so drills and tools name either.
 */
export async function writeSiteContexts(stateDir: string, ports: StackPorts): Promise<void> {
  const token = await readToken(stateDir);
  const siteA = `https://127.0.0.1:${ports.apiserver}`;
  const siteB = `https://127.0.0.1:${ports.siteBApiserver}`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: DEFAULT_CONTEXT, cluster: { server: siteA, 'insecure-skip-tls-verify': true } },
      { name: SITE_B.name, cluster: { server: siteB, 'insecure-skip-tls-verify': true } },
    ],
    users: [{ name: 'firedrill-admin', user: { token } }],
    contexts: [
      { name: DEFAULT_CONTEXT, context: { cluster: DEFAULT_CONTEXT, user: 'firedrill-admin' } },
      { name: SITE_A.context, context: { cluster: DEFAULT_CONTEXT, user: 'firedrill-admin' } },
      { name: SITE_B.context, context: { cluster: SITE_B.name, user: 'firedrill-admin' } },
    ],
    'current-context': DEFAULT_CONTEXT,
  };
  await writeAtomically(kubeFiles(stateDir).kubeconfig, YAML.stringify(doc));
}

/** A client of site-b alone, for its own nodes. */
export function siteBKubeConfig(stateDir: string): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(siteBKubeconfigFile(stateDir));
  return kc;
}

export async function siteBHealthy(stateDir: string, ports: StackPorts): Promise<boolean> {
  for (const c of SITE_B_COMPONENTS) if (!(await runningPid(stateDir, c))) return false;
  return (await apiGet(ports.siteBApiserver, await readToken(stateDir), '/readyz')).status === 200;
}

/**
 * Starts site-b's control plane on the running etcd (whatever part is not running), makes its
 * nodes exactly perZone per zone, and waits until they are ready. Site-a must be up.
 */
export async function startSiteB(
  stateDir: string, ports: StackPorts, bins: KubeProcs, perZone: number, progress: (m: string) => void,
): Promise<void> {
  const cp = siteBControlPlane(stateDir, ports);
  await fs.mkdir(cp.certDir, { recursive: true });
  await ensureServiceAccountKey(cp.saKey, cp.saPub);
  await writeAtomically(cp.kubeconfig, YAML.stringify(kubeconfigDoc(`https://127.0.0.1:${ports.siteBApiserver}`, await readToken(stateDir), SITE_B.context)));
  await fs.writeFile(path.join(siteBDir(stateDir), 'site.json'), JSON.stringify({ ...SITE_B, etcdPrefix: cp.etcdPrefix }, null, 2));
  await startControlPlane(stateDir, cp, bins, progress);
  const kc = siteBKubeConfig(stateDir);
  const { created, deleted } = await reconcileNodes(kc, perZone, undefined, SITE_B.layout);
  if (created || deleted) progress(`site-b nodes: ${created} created, ${deleted} removed`);
  const want = perZone * SITE_B.layout.zones.length;
  await waitFor('the simulated nodes of site-b', async () => {
    const counts = await countNodes(kc);
    return Object.values(counts).reduce((s, c) => s + c.ready, 0) === want;
  }, 120_000, async () => `ready per zone: ${JSON.stringify(await countNodes(kc))}`);
}

/** Stops site-b's processes (by pid file), optionally only the named ones; clears the mark when all are down. */
export async function stopSiteB(stateDir: string, only?: readonly string[]): Promise<string[]> {
  const stopped: string[] = [];
  for (const name of [...SITE_B_COMPONENTS].reverse()) {
    if (only && !only.includes(name)) continue;
    if (await stopProcess(stateDir, name)) stopped.push(name);
  }
  let left = false;
  for (const c of SITE_B_COMPONENTS) if (await runningPid(stateDir, c)) left = true;
  if (!left) await fs.rm(path.join(siteBDir(stateDir), 'site.json'), { force: true });
  return stopped;
}

/** Resident memory of the named processes' pids, summed; undefined without /proc. */
async function rssOf(stateDir: string, names: readonly string[]): Promise<number | undefined> {
  let total = 0;
  for (const n of names) {
    const pid = await runningPid(stateDir, n);
    if (!pid) continue;
    const rss = await processRss(pid);
    if (rss === undefined) return undefined;
    total += rss;
  }
  return total;
}

/** Both sites as `dev status` shows them; site-a alone (context firedrill-dev) in a one-site stack. */
export async function siteStatuses(stateDir: string, ports: StackPorts, siteA: { running: boolean; nodesPerZone: NodeCounts }): Promise<SiteStatus[]> {
  const two = await siteBConfigured(stateDir);
  const aNames = ['etcd', ...controlPlaneNames({ prefix: '' })];
  const a: SiteStatus = {
    name: SITE_A.name, context: two ? SITE_A.context : DEFAULT_CONTEXT, apiServer: `https://127.0.0.1:${ports.apiserver}`,
    zones: [...SITE_A.layout.zones], region: SITE_A.layout.region, running: siteA.running, nodesPerZone: siteA.nodesPerZone,
    ...(two ? { rssBytes: await rssOf(stateDir, aNames) } : {}),
  };
  if (!two) return [a];
  const up = await siteBHealthy(stateDir, ports);
  const nodesPerZone = up ? await countNodes(siteBKubeConfig(stateDir)).catch(() => ({})) : {};
  return [a, {
    name: SITE_B.name, context: SITE_B.context, apiServer: `https://127.0.0.1:${ports.siteBApiserver}`,
    zones: [...SITE_B.layout.zones], region: SITE_B.layout.region, running: up, nodesPerZone,
    rssBytes: await rssOf(stateDir, SITE_B_COMPONENTS),
  }];
}
