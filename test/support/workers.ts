import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { connect, type TemporalTarget } from '../../client/connection.js';
import { projectRoot } from '../../devstack/paths.js';
import type { StackStatus } from '../../devstack/stack.js';
import { loadConfig } from '../../worker/config.js';
import { createLogger } from '../../worker/logger.js';
import { createDrillWorker, workflowsPath } from '../../worker/worker.js';
import { uniqueName } from './kube.js';

// Drill workers against the real local stack: in-process, and as a child process that a test can SIGKILL.

let bundle: Promise<{ code: string }> | undefined;

/** Bundled once per test file: every in-process worker of the file reuses it. */
function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

export interface TestWorker {
  client: Client;
  taskQueue: string;
  reportDir: string;
  target: TemporalTarget;
  stop(): Promise<void>;
}

export function temporalTargetFor(stack: StackStatus, taskQueue: string): TemporalTarget {
  const security = stack.temporal?.tls;
  return { address: stack.temporalAddress, namespace: stack.temporalNamespace, taskQueue, uiUrl: stack.temporalUiUrl, ...(security ? { security } : {}) };
}

/** The variables a worker or the CLI reads to reach the stack's Temporal, with its mTLS files when it has them. */
export function temporalEnv(stack: StackStatus): Record<string, string> {
  const tls = stack.temporal?.tls;
  return {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    ...(tls?.caFile ? { TEMPORAL_TLS_CA: tls.caFile } : {}),
    ...(tls?.certFile ? { TEMPORAL_TLS_CERT: tls.certFile } : {}),
    ...(tls?.keyFile ? { TEMPORAL_TLS_KEY: tls.keyFile } : {}),
    ...(tls?.serverName ? { TEMPORAL_TLS_SERVER_NAME: tls.serverName } : {}),
  };
}

/**
 * An in-process drill worker on its own task queue, running in the background until stop().
 * `env` overrides its environment, e.g. KUBECONFIG for other credentials or FIREDRILL_NODE_NAME;
 * `workflowBundle` runs other workflow code (an upgrade test's next release).
 */
export async function startWorker(
  stack: StackStatus,
  opts: { taskQueue?: string; reportDir?: string; env?: Record<string, string>; workflowBundle?: { code: string } } = {},
): Promise<TestWorker> {
  const taskQueue = opts.taskQueue ?? uniqueName('drill-it');
  const ownDir = opts.reportDir === undefined;
  const reportDir = opts.reportDir ?? await mkdtemp(path.join(tmpdir(), 'firedrill-it-'));
  const config = loadConfig({
    ...process.env,
    ...temporalEnv(stack),
    KUBECONFIG: stack.kubeconfig,
    FIREDRILL_TASK_QUEUE: taskQueue,
    FIREDRILL_REPORT_DIR: reportDir,
    FIREDRILL_LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const dw = await createDrillWorker(config, createLogger({ level: 'warn' }), { workflowBundle: opts.workflowBundle ?? await workflowBundle() });
  let failure: unknown;
  const running = dw.worker.run().catch((err: unknown) => { failure = err; });
  let stopped = false;
  return {
    client: dw.client,
    taskQueue,
    reportDir,
    target: temporalTargetFor(stack, taskQueue),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (dw.worker.getState() === 'RUNNING') dw.worker.shutdown();
      await running;
      await dw.close();
      if (ownDir) await rm(reportDir, { recursive: true, force: true });
      if (failure) throw failure;
    },
  };
}

/** A plain client (no worker), for tests whose workers are child processes. */
export async function connectClient(stack: StackStatus): Promise<{ client: Client; close: () => Promise<void> }> {
  return connect(temporalTargetFor(stack, ''));
}

const logs = new WeakMap<ChildProcess, { text: string }>();

/** The last few KB of a spawned worker's stderr (pino JSON), for failure messages. */
export function workerLog(child: ChildProcess): string {
  return logs.get(child)?.text ?? '';
}

export interface WorkerProcessOptions {
  reportDir?: string;
  /** Extra environment (applied last): FIREDRILL_TEST_ACTIVITY_DELAY, a log level, secrets. */
  env?: Record<string, string>;
  /** How much of the end of stderr workerLog keeps (default 8000 characters). */
  logLimit?: number;
}

/**
 * `firedrill worker` as a child process (so it can be killed with SIGKILL), resolved once it
 * logs 'worker started'. Its stderr is kept draining so the pipe never blocks it.
 */
export async function spawnWorkerProcess(stack: StackStatus, taskQueue: string, opts: WorkerProcessOptions = {}): Promise<ChildProcess> {
  const reportDir = opts.reportDir ?? await mkdtemp(path.join(tmpdir(), 'firedrill-it-'));
  const child = spawn(process.execPath, [path.join('bin', 'firedrill.js'), 'worker', '--no-janitor-schedule'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      ...temporalEnv(stack),
      KUBECONFIG: stack.kubeconfig,
      FIREDRILL_TASK_QUEUE: taskQueue,
      FIREDRILL_REPORT_DIR: reportDir,
      FIREDRILL_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = { text: '' };
  logs.set(child, log);
  let started = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the worker process did not start within 60 s:\n${log.text}`));
    }, 60_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`the worker process exited (${code ?? signal}) before it started:\n${log.text}`));
    };
    child.once('exit', onExit);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log.text = (log.text + chunk).slice(-(opts.logLimit ?? 8000));
      if (!started && log.text.includes('"msg":"worker started"')) {
        started = true;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    });
  });
  return child;
}

/** Sends a signal and waits until the process is gone. */
export async function killProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}


export { waitForPhase } from '../../client/drills.js';

/** Attempt numbers of every activity that started, in history order (retries show as attempt > 1). */
export async function activityAttempts(handle: WorkflowHandle): Promise<Array<{ type: string; attempt: number }>> {
  const history = await handle.fetchHistory();
  const types = new Map<string, string>();
  const out: Array<{ type: string; attempt: number }> = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) types.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started) out.push({ type: types.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt ?? 1 });
  }
  return out;
}
