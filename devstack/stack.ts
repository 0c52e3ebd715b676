import fs from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import { StackError } from './errors.js';
import { KUBE_COMPONENTS, kubeFiles, kubeHealthy, startKube } from './kube.js';
import { countNodes, reconcileNodes, type NodeCounts } from './nodes.js';
import { stackPorts, type StackPorts } from './ports.js';
import { assertPortFree, stopProcess, runningPid, waitFor } from './procs.js';
import { ensureEtcd, ensureKube, ensureKwok, ensureTemporal, type Progress } from './provision.js';
import { stateRoot } from './paths.js';
import { startTemporal, temporalHealthy, TEMPORAL_NAMESPACE } from './temporal.js';
import { withLock } from './lock.js';
import {
  TEMPORAL_SERVER_COMPONENTS, serverPortList, setTemporalKind, stackTemporal, temporalKind, temporalServerDown, temporalServerHealthy,
  temporalServerUp, type StackTemporal, type TemporalKind,
} from './temporal-server.js';
import { TEMPORAL_CLI_VERSION } from './versions.js';
import { startStackTower, TOWER_PROCESS } from '../tower/dev-process.js';
import {
  SITE_B_COMPONENTS, siteBConfigured, siteStatuses, startSiteB, stopSiteB, writeSiteContexts, type SiteStatus,
} from './sites.js';

export interface StackStatus {
  running: boolean;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  kubeconfig: string;
  kubeApiServer: string;
  stateDir: string;
  components: Record<string, { running: boolean; pid?: number }>;
  nodesPerZone: NodeCounts;
  /** Site-a, and site-b when the stack has two sites: context, apiserver, zones, nodes. */
  sites: SiteStatus[];
  /** Which Temporal runs (`dev up --temporal dev|server`), and the mTLS files of the real server. */
  temporal: StackTemporal;
  /** The control tower `dev up` started, or null when it does not run. */
  towerUrl: string | null;
}

const ALL = ['temporal', ...KUBE_COMPONENTS] as const;

export function loadKubeConfig(stateDir = stateRoot()): k8s.KubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(kubeFiles(stateDir).kubeconfig);
  return kc;
}

export async function stackStatus(stateDir = stateRoot(), ports: StackPorts = stackPorts()): Promise<StackStatus> {
  const components: StackStatus['components'] = {};
  const two = await siteBConfigured(stateDir);
  const kind = await temporalKind(stateDir);
  for (const name of [...withTemporal(ALL, kind), ...(two ? SITE_B_COMPONENTS : [])]) {
    const pid = await runningPid(stateDir, name);
    components[name] = pid ? { running: true, pid } : { running: false };
  }
  const kubeUp = await kubeHealthy(stateDir, ports);
  const temporalUp = kind === 'server'
    ? Boolean(components['temporal-server']?.running) && await temporalServerHealthy(stateDir, ports)
    : components.temporal?.running ? await temporalHealthy(ports) : false;
  let nodesPerZone: NodeCounts = {};
  if (kubeUp) nodesPerZone = await countNodes(loadKubeConfig(stateDir)).catch(() => ({}));
  const sites = await siteStatuses(stateDir, ports, { running: kubeUp, nodesPerZone });
  const towerPid = await runningPid(stateDir, TOWER_PROCESS);
  if (towerPid) components[TOWER_PROCESS] = { running: true, pid: towerPid };
  return {
    running: kubeUp && temporalUp,
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    temporalNamespace: TEMPORAL_NAMESPACE,
    // The real server has no web UI of its own.
    temporalUiUrl: kind === 'server' ? '' : `http://127.0.0.1:${ports.temporalUi}`,
    kubeconfig: kubeFiles(stateDir).kubeconfig,
    kubeApiServer: `https://127.0.0.1:${ports.apiserver}`,
    stateDir,
    components,
    nodesPerZone,
    sites,
    temporal: stackTemporal(stateDir, kind, TEMPORAL_CLI_VERSION),
    towerUrl: towerPid ? `http://127.0.0.1:${ports.tower}` : null,
  };
}

/** The stack's process names with the chosen Temporal's in place of the dev server's. */
function withTemporal(names: readonly string[], kind: TemporalKind): string[] {
  return kind === 'server' ? [...TEMPORAL_SERVER_COMPONENTS, ...names.filter((n) => n !== 'temporal')] : [...names];
}

export interface UpOptions {
  nodesPerZone: number;
  progress: Progress;
  /** 2 adds site-b (a second cluster); a running site-b is kept either way. */
  sites?: 1 | 2;
  /** Nodes per zone of site-b (default: nodesPerZone). */
  siteBNodesPerZone?: number;
  /** The CLI dev server (default) or the real Temporal server on PostgreSQL with mTLS. */
  temporal?: TemporalKind;
  /** Start the control tower beside the stack (default true). */
  tower?: boolean;
}

/** What `up` started, so a test harness can stop only that. */
export interface UpResult {
  status: StackStatus;
  started: string[];
  seconds: number;
  /** Time site-b took to start (its control plane and ready nodes), when this call started it. */
  siteBSeconds?: number;
}

/**
 * Brings the stack up, reusing whatever already runs healthy. Tool builds happen first (cached),
 * then Kubernetes and Temporal start side by side.
 */
export async function stackUp(opts: UpOptions, stateDir = stateRoot(), ports: StackPorts = stackPorts()): Promise<UpResult> {
  if (!Number.isInteger(opts.nodesPerZone) || opts.nodesPerZone < 1 || opts.nodesPerZone > 500) {
    throw new StackError(`--nodes-per-zone must be an integer from 1 to 500, got ${opts.nodesPerZone}`);
  }
  if (opts.sites !== undefined && opts.sites !== 1 && opts.sites !== 2) throw new StackError(`--sites must be 1 or 2, got ${String(opts.sites)}`);
  const t0 = Date.now();
  await fs.mkdir(stateDir, { recursive: true });
  return withLock(stateDir, 'stack', async () => {
    const two = opts.sites === 2 || await siteBConfigured(stateDir);
    const kind = opts.temporal ?? 'dev';
    const other = kind === 'server' ? ['temporal'] : TEMPORAL_SERVER_COMPONENTS;
    for (const name of other) {
      if (await runningPid(stateDir, name)) {
        throw new StackError(`the stack runs ${kind === 'server' ? 'the Temporal dev server' : 'the real Temporal server'}, not the one asked for`,
          `stop it first with \`firedrill dev down\`, or ask for it: \`firedrill dev up --temporal ${kind === 'server' ? 'dev' : 'server'}\``);
      }
    }
    await setTemporalKind(stateDir, kind);
    const names = [...withTemporal(ALL, kind), ...(two ? SITE_B_COMPONENTS : [])];
    const before = new Set<string>();
    for (const name of names) if (await runningPid(stateDir, name)) before.add(name);

    // Every port a component still has to take must be free before anything starts: a busy
    // port must not leave half a stack running.
    const portsOf: Record<string, Array<[number, string]>> = {
      ...(kind === 'server' ? serverPortList(ports) : {
        temporal: [[ports.temporal, 'Temporal frontend'], [ports.temporalUi, 'Temporal UI'], [ports.temporalHttp, 'Temporal HTTP API'], [ports.temporalMetrics, 'Temporal metrics']],
      } satisfies Record<string, Array<[number, string]>>),
      etcd: [[ports.etcd, 'etcd client'], [ports.etcdPeer, 'etcd peer']],
      'kube-apiserver': [[ports.apiserver, 'kube-apiserver']],
      kwok: [[ports.kwok, 'kwok']],
      ...(two ? {
        'site-b-kube-apiserver': [[ports.siteBApiserver, 'kube-apiserver (site-b)']],
        'site-b-kwok': [[ports.siteBKwok, 'kwok (site-b)']],
      } satisfies Record<string, Array<[number, string]>> : {}),
    };
    for (const [name, list] of Object.entries(portsOf)) {
      if (before.has(name)) continue;
      for (const [port, purpose] of list) await assertPortFree(port, purpose);
    }

    const [temporalBin, kube, kwok, etcd] = await Promise.all([
      kind === 'dev' ? ensureTemporal(opts.progress) : undefined,
      ensureKube(opts.progress),
      ensureKwok(opts.progress),
      ensureEtcd(opts.progress),
    ]);
    await Promise.all([
      startKube(stateDir, ports, { etcd, kube, kwok }, opts.progress),
      temporalBin ? startTemporal(stateDir, ports, temporalBin, opts.progress) : temporalServerUp(stateDir, ports, opts.progress),
    ]);
    const kc = loadKubeConfig(stateDir);
    const { created, deleted } = await reconcileNodes(kc, opts.nodesPerZone);
    if (created || deleted) opts.progress(`nodes: ${created} created, ${deleted} removed`);
    await waitFor('the simulated nodes', async () => {
      const counts = await countNodes(kc);
      return Object.values(counts).reduce((s, c) => s + c.ready, 0) === opts.nodesPerZone * 3;
    }, 120_000, async () => `ready per zone: ${JSON.stringify(await countNodes(kc))}`);
    let siteBSeconds: number | undefined;
    if (two) {
      const tb = Date.now();
      await startSiteB(stateDir, ports, { etcd, kube, kwok }, opts.siteBNodesPerZone ?? opts.nodesPerZone, opts.progress);
      // Starting site-a rewrote the kubeconfig with its context alone.
      await writeSiteContexts(stateDir, ports);
      if (SITE_B_COMPONENTS.some((n) => !before.has(n))) siteBSeconds = (Date.now() - tb) / 1000;
    }
    const towerBefore = Boolean(await runningPid(stateDir, TOWER_PROCESS));
    if (opts.tower !== false) {
      // The tower finds the stack's Temporal (and the real server's mTLS files) in stack.json.
      if (kind === 'server') await fs.writeFile(path.join(stateDir, 'stack.json'), JSON.stringify(await stackStatus(stateDir, ports), null, 2));
      await startStackTower(stateDir, {
        port: ports.tower, temporalAddress: `127.0.0.1:${ports.temporal}`, temporalUiUrl: `http://127.0.0.1:${ports.temporalUi}`, progress: opts.progress,
      });
    }
    const status = await stackStatus(stateDir, ports);
    await fs.writeFile(path.join(stateDir, 'stack.json'), JSON.stringify(status, null, 2));
    const started = [...names, ...(towerBefore ? [] : [TOWER_PROCESS])].filter((n) => !before.has(n) && status.components[n]?.running);
    return { status, started, seconds: (Date.now() - t0) / 1000, ...(siteBSeconds !== undefined ? { siteBSeconds } : {}) };
  });
}

/** Stops the named components (default: all), in reverse dependency order, by pid file only. */
export async function stackDown(stateDir = stateRoot(), only?: readonly string[]): Promise<string[]> {
  const order = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd', 'temporal'];
  // The tower only reads the stack: it goes first; site-b lives on site-a's etcd: it goes next.
  const stopped: string[] = [];
  if ((!only || only.includes(TOWER_PROCESS)) && await stopProcess(stateDir, TOWER_PROCESS)) stopped.push(TOWER_PROCESS);
  stopped.push(...await stopSiteB(stateDir, only));
  for (const name of order) {
    if (only && !only.includes(name)) continue;
    if (await stopProcess(stateDir, name)) stopped.push(name);
  }
  stopped.push(...await temporalServerDown(stateDir, only));
  return stopped;
}
