import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { projectRoot } from '../devstack/paths.js';
import { sleep } from '../activities/kube/retry.js';
import { openInspector } from './inspector.js';

// A `firedrill worker` child process, as deployed: its memory is the worker's own, not the
// benchmark harness's (tsx, 3,000 pods of placement bookkeeping, the watch).

export interface WorkerProcessOptions {
  temporalAddress: string;
  temporalNamespace: string;
  kubeconfig: string;
  taskQueue: string;
  reportDir: string;
  /** NODE_OPTIONS of the worker; undefined = none (V8 defaults). */
  nodeOptions?: string;
  /** glibc's MALLOC_ARENA_MAX of the worker; undefined = glibc's default (8 arenas per core). */
  mallocArenaMax?: string;
}

export interface ProcMemory {
  rssMb: number;
  hwmMb: number;
}

export interface BenchWorker {
  pid: number;
  taskQueue: string;
  nodeOptions: string | null;
  mallocArenaMax: string | null;
  memory(): Promise<ProcMemory>;
  /** The memory once idle RSS has settled (see settled()), its start-up garbage collected first (see collectGarbage()). */
  settledMemory(): Promise<ProcMemory & { settledAfterMs: number }>;
  /** Resets VmHWM to the current RSS (clear_refs 5); false where the kernel refuses it. */
  resetPeak(): Promise<boolean>;
  log(): string;
  stop(): Promise<void>;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export async function procMemory(pid: number): Promise<ProcMemory> {
  const text = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMb: mb(kb('VmRSS')), hwmMb: mb(kb('VmHWM')) };
}

/**
 * RSS once it has settled: a fresh worker holds start-up garbage for its first 15–20 s (310 MB,
 * then 241 MB once V8 collects it while idle), so "ready" read at once depends on how soon the
 * benchmark asks. Samples every second until 5 s in a row stay within 1 MB, for at most 60 s.
 */
export async function settled(read: () => Promise<ProcMemory>, opts: { everyMs?: number; quietMs?: number; maxMs?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<ProcMemory & { settledAfterMs: number }> {
  const { everyMs = 1000, quietMs = 5000, maxMs = 60_000 } = opts;
  const wait = opts.sleep ?? sleep;
  let waited = 0;
  let last = await read();
  let quiet = 0;
  while (waited < maxMs && quiet < quietMs) {
    await wait(everyMs);
    waited += everyMs;
    const now = await read();
    quiet = Math.abs(now.rssMb - last.rssMb) <= 1 ? quiet + everyMs : 0;
    last = now;
  }
  return { ...last, settledAfterMs: waited };
}

/**
 * A full collection in the worker, through its inspector (closed again after). The start-up garbage of a fresh worker can hold steady for more than the 5 s
 * settled() waits (quick size: 315.7 MB "ready", 268.5 MB after a first drill), so "ready" read
 * without this depended on when V8 chose to collect. An idle worker collects it by itself in the end.
 */
export async function collectGarbage(pid: number): Promise<void> {
  const ins = await openInspector(pid);
  try {
    await ins.send('HeapProfiler.enable');
    await ins.send('HeapProfiler.collectGarbage');
    await ins.send('HeapProfiler.disable');
  } finally {
    await ins.close();
  }
}

/** Ready = the worker polls both the workflow and the activity task queue (it logs nothing at warn). */
async function waitPolling(client: Client, namespace: string, taskQueue: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  // TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY (@temporalio/proto has no named ESM export).
  const types = [1, 2];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the worker process exited (${child.exitCode ?? child.signalCode}) before it started:\n${log()}`);
    const polled = await Promise.all(types.map(async (taskQueueType) => {
      const r = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType });
      return (r.pollers?.length ?? 0) > 0;
    }));
    if (polled.every(Boolean)) return;
    await sleep(250);
  }
  throw new Error(`the worker process did not poll ${taskQueue} within ${timeoutMs / 1000} s:\n${log()}`);
}

export async function spawnBenchWorker(client: Client, opts: WorkerProcessOptions): Promise<BenchWorker> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_NAMESPACE: opts.temporalNamespace,
    KUBECONFIG: opts.kubeconfig,
    FIREDRILL_TASK_QUEUE: opts.taskQueue,
    FIREDRILL_REPORT_DIR: opts.reportDir,
    FIREDRILL_LOG_LEVEL: 'warn',
  };
  // Only what is asked for: the bench's own environment does not leak into the worker's memory.
  delete env.NODE_OPTIONS;
  delete env.MALLOC_ARENA_MAX;
  if (opts.nodeOptions) env.NODE_OPTIONS = opts.nodeOptions;
  if (opts.mallocArenaMax) env.MALLOC_ARENA_MAX = opts.mallocArenaMax;
  const child = spawn(process.execPath, [path.join('bin', 'firedrill.js'), 'worker', '--no-janitor-schedule'], {
    cwd: projectRoot, env, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => { text = (text + chunk).slice(-8000); });
  const log = () => text;
  try {
    // Generous: a cold bundle cache builds the workflow bundle first.
    await waitPolling(client, opts.temporalNamespace, opts.taskQueue, child, log, 300_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const pid = child.pid as number;
  return {
    pid,
    taskQueue: opts.taskQueue,
    nodeOptions: opts.nodeOptions ?? null,
    mallocArenaMax: opts.mallocArenaMax ?? null,
    memory: () => procMemory(pid),
    settledMemory: async () => {
      await collectGarbage(pid);
      return settled(() => procMemory(pid));
    },
    async resetPeak() {
      try {
        await fs.writeFile(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
