import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { connect } from '../client/connection.js';
import { loadKubeConfig, stackDown, stackUp } from '../devstack/stack.js';
import { endOpenDrills } from './cleanup.js';
import { always200 } from './drills.js';
import { benchStack, withBenchLock } from './index.js';
import type { Progress } from './kube.js';
import { spawnBenchWorker, type BenchWorker, type WorkerProcessOptions } from './worker-process.js';

// The harness of the bench's standalone scripts (power-only, first-drill-memory): the bench's
// own stack (FIREDRILL_BENCH_PORT_BASE), a Temporal client, an always-200 server to probe and
// `firedrill worker` processes. Whatever the body opened is closed, last first, and the stack
// stopped when it ends, however it ends.

export interface Standalone {
  client: Client;
  kc: k8s.KubeConfig;
  /** An HTTP server that always answers 200: the drills' probe. */
  probeUrl: string;
  progress: Progress;
  /** A `firedrill worker` polling its own task queue; stopped at the end. */
  worker(opts: Pick<WorkerProcessOptions, 'taskQueue' | 'nodeOptions' | 'mallocArenaMax'>): Promise<BenchWorker>;
  /** Runs at the end, before what was opened earlier. */
  defer(close: () => Promise<unknown>): void;
}

export async function standalone<T>(nodesPerZone: number, body: (s: Standalone) => Promise<T>): Promise<T> {
  // The CLI's printer is the CLI's: a line per step with the seconds since the start is enough here.
  const t0 = Date.now();
  const progress = (m: string) => process.stderr.write(`bench [${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${m}\n`);
  return withBenchLock(progress, () => run(nodesPerZone, body, progress));
}

async function run<T>(nodesPerZone: number, body: (s: Standalone) => Promise<T>, progress: Progress): Promise<T> {
  const { ports, stateDir, portBase } = benchStack();
  process.env.FIREDRILL_DEV_PORT_BASE = portBase;
  process.env.FIREDRILL_STATE_DIR = stateDir;
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-bench-'));
  // Closed in this order: the body's own (last first), open drills ended (their restores need
  // the workers), the workers, then the probe server and the client.
  const deferred: Array<() => Promise<unknown>> = [];
  const workers: BenchWorker[] = [];
  const base: Array<() => Promise<unknown>> = [];
  const defer = (close: () => Promise<unknown>) => { deferred.unshift(close); };
  let client: Client | undefined;
  try {
    const up = await stackUp({ nodesPerZone, progress }, stateDir, ports);
    const security = up.status.temporal.tls;
    const conn = await connect({
      address: up.status.temporalAddress, namespace: up.status.temporalNamespace, taskQueue: '', ...(security ? { security } : {}),
    });
    client = conn.client;
    base.unshift(conn.close);
    const ok = await always200();
    base.unshift(ok.close);
    const c = client;
    return await body({
      client: c, kc: loadKubeConfig(stateDir), probeUrl: ok.url, progress, defer,
      worker: async (opts) => {
        const w = await spawnBenchWorker(c, {
          temporalAddress: up.status.temporalAddress, temporalNamespace: up.status.temporalNamespace, kubeconfig: up.status.kubeconfig, reportDir, ...opts,
        });
        workers.push(w);
        return w;
      },
    });
  } finally {
    const c = client;
    const closing = [...deferred, ...(c ? [() => endOpenDrills(c)] : []), ...workers.map((w) => () => w.stop()), ...base];
    for (const close of closing) await close().catch(() => undefined);
    await fs.rm(reportDir, { recursive: true, force: true });
    await stackDown(stateDir);
  }
}
