import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { connectionOptions, explainConnectError } from '../client/connection.js';
import { temporalSecurity, type Config } from './config.js';
import { loadWorkflowBundle } from './bundle.js';
import { kubeConfigs } from './kube.js';
import { keyFingerprint, signingKeyFrom } from '../report/evidence.js';
import { findChromium } from '../report/pdf.js';
import { reportStoreFromEnv } from '../report/store-config.js';
import type { Logger } from './logger.js';

// The composition root: the one place that builds real clients (Temporal, Kubernetes) and
// hands them to the activities.

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let runtimeInstalled = false;

/** Temporal's own logs go through the same pino logger as everything else. */
export function installRuntimeLogger(log: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(log.level.toUpperCase()) ? log.level.toUpperCase() : 'WARN') as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...(entry.meta ?? {}), component: 'temporal' };
      const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
      log[method](fields, entry.message);
    }),
  });
}

/** FIREDRILL_TEST_ACTIVITY_DELAY: the named activities start after a wait (see config.ts). */
export function withStartDelays<T extends Record<string, unknown>>(activities: T, delays: Record<string, number> | undefined, log: Logger): T {
  if (!delays) return activities;
  const out: Record<string, unknown> = { ...activities };
  for (const [name, ms] of Object.entries(delays)) {
    const fn = activities[name];
    if (typeof fn !== 'function') {
      throw new Error(`invalid environment:\n  FIREDRILL_TEST_ACTIVITY_DELAY: no activity named "${name}"; activities: ${Object.keys(activities).join(', ')}`);
    }
    out[name] = async (...args: unknown[]) => {
      await new Promise((r) => setTimeout(r, ms));
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  log.warn({ delays }, 'test-only activity start delays are on (FIREDRILL_TEST_ACTIVITY_DELAY)');
  return out as T;
}

export interface DrillWorker {
  worker: Worker;
  client: Client;
  close(): Promise<void>;
}

export async function createDrillWorker(config: Config, log: Logger, opts: { kubeconfig?: string; workflowBundle?: { code: string } } = {}): Promise<DrillWorker> {
  installRuntimeLogger(log);
  const security = temporalSecurity(config);
  const options = await connectionOptions(config.TEMPORAL_ADDRESS, security);
  let nativeConnection: NativeConnection;
  let connection: Connection;
  try {
    nativeConnection = await NativeConnection.connect(options);
  } catch (err) {
    throw (await explainConnectError(err, config.TEMPORAL_ADDRESS, security)) ?? err;
  }
  try {
    connection = await Connection.connect(options);
  } catch (err) {
    await nativeConnection.close();
    throw (await explainConnectError(err, config.TEMPORAL_ADDRESS, security)) ?? err;
  }
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const reportStore = reportStoreFromEnv(config);
  const activities = withStartDelays(createActivities({
    kubeFor: kubeConfigs(opts.kubeconfig ?? config.KUBECONFIG),
    log,
    temporal: client,
    reportStore,
    workerNode: config.FIREDRILL_NODE_NAME,
  }), config.FIREDRILL_TEST_ACTIVITY_DELAY, log);
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.FIREDRILL_TASK_QUEUE,
    workflowBundle: opts.workflowBundle ?? await loadWorkflowBundle(workflowsPath, log),
    activities,
    // Many probes and evictions run at once inside few activities; keep slots generous.
    maxConcurrentActivityTaskExecutions: 50,
    // Cancellation reaches an activity only with a heartbeat response: heartbeat often enough
    // that ending a hold or an operator's abort takes effect within about a second.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
  // Said once at start: an operator reads here whether reports will have a PDF and be signed.
  const pdf = await findChromium();
  log.info({ pdf: pdf.ok, chromium: pdf.path }, pdf.ok
    ? `PDF reports available (Chromium at ${pdf.path})`
    : `PDF reports unavailable: no Chromium at ${pdf.path} (install it or set FIREDRILL_CHROMIUM); the other formats are written`);
  const signing = signingKeyFrom(process.env);
  log.info({ reportStore: reportStore.where('') }, `reports are written to ${reportStore.where('')}`);
  log.info({ signed: Boolean(signing) }, signing ? `results are signed (ed25519 key ${keyFingerprint(signing)})` : 'results are not signed (no FIREDRILL_SIGNING_KEY)');
  return {
    worker,
    client,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
