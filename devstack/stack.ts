import fs from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { StackError } from './errors.js';
import { KUBE_COMPONENTS, kubeFiles, kubeHealthy, startKube } from './kube.js';
import { countNodes, reconcileNodes, type NodeCounts } from './nodes.js';
import { stackPorts, type StackPorts } from './ports.js';
import { assertPortFree, stopProcess, runningPid, waitFor } from './procs.js';
import { ensureEtcd, ensureKube, ensureKwok, ensureTemporal, type Progress } from './provision.js';
import { stateRoot } from './paths.js';
import { startTemporal, temporalHealthy, TEMPORAL_NAMESPACE } from './temporal.js';
import { withLock } from './lock.js';

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
}

const ALL = ['temporal', ...KUBE_COMPONENTS] as const;

export function loadKubeConfig(stateDir = stateRoot()): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeFiles(stateDir).kubeconfig);
  return kc;
}

export async function stackStatus(stateDir = stateRoot(), ports: StackPorts = stackPorts()): Promise<StackStatus> {
  const components: StackStatus['components'] = {};
  for (const name of ALL) {
    const pid = await runningPid(stateDir, name);
    components[name] = pid ? { running: true, pid } : { running: false };
  }
  const kubeUp = await kubeHealthy(stateDir, ports);
  const temporalUp = components.temporal?.running ? await temporalHealthy(ports) : false;
  let nodesPerZone: NodeCounts = {};
  if (kubeUp) nodesPerZone = await countNodes(loadKubeConfig(stateDir)).catch(() => ({}));
  return {
    running: kubeUp && temporalUp,
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    temporalNamespace: TEMPORAL_NAMESPACE,
    temporalUiUrl: `http://127.0.0.1:${ports.temporalUi}`,
    kubeconfig: kubeFiles(stateDir).kubeconfig,
    kubeApiServer: `https://127.0.0.1:${ports.apiserver}`,
    stateDir,
    components,
    nodesPerZone,
  };
}

export interface UpOptions {
  nodesPerZone: number;
  progress: Progress;
}

/** What `up` started, so a test harness can stop only that. */
export interface UpResult {
  status: StackStatus;
  started: string[];
  seconds: number;
}

/**
 * Brings the stack up, reusing whatever already runs healthy. Tool builds happen first (cached),
 * then Kubernetes and Temporal start side by side.
 */
export async function stackUp(opts: UpOptions, stateDir = stateRoot(), ports: StackPorts = stackPorts()): Promise<UpResult> {
  if (!Number.isInteger(opts.nodesPerZone) || opts.nodesPerZone < 1 || opts.nodesPerZone > 500) {
    throw new StackError(`--nodes-per-zone must be an integer from 1 to 500, got ${opts.nodesPerZone}`);
  }
  const t0 = Date.now();
  await fs.mkdir(stateDir, { recursive: true });
  return withLock(stateDir, 'stack', async () => {
    const before = new Set<string>();
    for (const name of ALL) if (await runningPid(stateDir, name)) before.add(name);

    // Every port a component still has to take must be free before anything starts: a busy
    // port must not leave half a stack running.
    const portsOf: Record<string, Array<[number, string]>> = {
      temporal: [[ports.temporal, 'Temporal frontend'], [ports.temporalUi, 'Temporal UI'], [ports.temporalHttp, 'Temporal HTTP API'], [ports.temporalMetrics, 'Temporal metrics']],
      etcd: [[ports.etcd, 'etcd client'], [ports.etcdPeer, 'etcd peer']],
      'kube-apiserver': [[ports.apiserver, 'kube-apiserver']],
      kwok: [[ports.kwok, 'kwok']],
    };
    for (const [name, list] of Object.entries(portsOf)) {
      if (before.has(name)) continue;
      for (const [port, purpose] of list) await assertPortFree(port, purpose);
    }

    const [temporalBin, kube, kwok, etcd] = await Promise.all([
      ensureTemporal(opts.progress),
      ensureKube(opts.progress),
      ensureKwok(opts.progress),
      ensureEtcd(opts.progress),
    ]);
    await Promise.all([
      startKube(stateDir, ports, { etcd, kube, kwok }, opts.progress),
      startTemporal(stateDir, ports, temporalBin, opts.progress),
    ]);
    const kc = loadKubeConfig(stateDir);
    const { created, deleted } = await reconcileNodes(kc, opts.nodesPerZone);
    if (created || deleted) opts.progress(`nodes: ${created} created, ${deleted} removed`);
    await waitFor('the simulated nodes', async () => {
      const counts = await countNodes(kc);
      return Object.values(counts).reduce((s, c) => s + c.ready, 0) === opts.nodesPerZone * 3;
    }, 120_000, async () => `ready per zone: ${JSON.stringify(await countNodes(kc))}`);
    const status = await stackStatus(stateDir, ports);
    await fs.writeFile(path.join(stateDir, 'stack.json'), JSON.stringify(status, null, 2));
    const started = ALL.filter((n) => !before.has(n) && status.components[n]?.running);
    return { status, started, seconds: (Date.now() - t0) / 1000 };
  });
}

/** Stops the named components (default: all), in reverse dependency order, by pid file only. */
export async function stackDown(stateDir = stateRoot(), only?: readonly string[]): Promise<string[]> {
  const order = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd', 'temporal'];
  const stopped: string[] = [];
  for (const name of order) {
    if (only && !only.includes(name)) continue;
    if (await stopProcess(stateDir, name)) stopped.push(name);
  }
  return stopped;
}
