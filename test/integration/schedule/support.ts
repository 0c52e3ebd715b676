import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { NativeConnection, Worker, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import YAML from 'yaml';
import { createActivities } from '../../../activities/index.js';
import { createGameDayActivities } from '../../../activities/gameday-report.js';
import { RUN_LABEL } from '../../../activities/faults/marks.js';
import { projectRoot } from '../../../devstack/paths.js';
import type { StackStatus } from '../../../devstack/stack.js';
import { kubeConfigs } from '../../../worker/kube.js';
import { createLogger } from '../../../worker/logger.js';
import { installRuntimeLogger, workflowsPath } from '../../../worker/worker.js';
import { httpProbe, startWorker, temporalTargetFor, type TestWorker } from '../../support/drill.js';
import { uniqueName } from '../../support/kube.js';

// Harmless drills for the schedule and game-day tests: one zone-c node labelled for this file,
// fault `cordon` (nothing is evicted), a few seconds of hold, and an HTTP probe against a local
// server that always answers 200.

const ZONE = 'topology.kubernetes.io/zone';
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface LabelledNode {
  name: string;
  selector: string;
  unschedulable(): Promise<boolean>;
  release(): Promise<void>;
}

/** Labels one free zone-c node `firedrill-sched-test/<id>=x`. */
export async function labelNode(kc: k8s.KubeConfig, id: string): Promise<LabelledNode> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const key = `firedrill-sched-test/${id}`;
  const nodes = await core.listNode({ labelSelector: 'firedrill.dev/dev-node=true' });
  const free = nodes.items.filter((n) => n.metadata?.labels?.[ZONE] === 'zone-c' && !n.spec?.unschedulable && !n.spec?.taints?.length
    && !Object.keys(n.metadata?.labels ?? {}).some((l) => l === RUN_LABEL || l.startsWith('firedrill-')))
    .map((n) => n.metadata?.name ?? '').sort();
  const name = free.at(-1);
  if (!name) throw new Error('no free zone-c node to label');
  await core.patchNode({ name, body: { metadata: { labels: { [key]: 'x' } } } }, MERGE);
  return {
    name,
    selector: `${key}=x`,
    async unschedulable() {
      return Boolean((await core.readNode({ name })).spec?.unschedulable);
    },
    async release() {
      await core.patchNode({ name, body: { metadata: { labels: { [key]: null } } } }, MERGE);
    },
  };
}

/** Answers 200, or whatever status a test sets to simulate an outage. */
export async function startOkServer(): Promise<{ url: string; close: () => Promise<void>; setStatus: (code: number) => void }> {
  let status = 200;
  const server = http.createServer((_req, res) => { res.writeHead(status, { 'content-type': 'text/plain' }); res.end(status === 200 ? 'ok\n' : 'down\n'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    setStatus: (code) => { status = code; },
  };
}

type Doc = Record<string, unknown>;

/** A short cordon drill of the labelled node, as a YAML document (extra keys replace the defaults). */
export function drillDoc(name: string, node: LabelledNode, probeUrl: string, extra: Doc = {}): Doc {
  return {
    apiVersion: 'firedrill.dev/v1',
    kind: 'Drill',
    metadata: { name, owner: 'integration-tests' },
    target: { type: 'nodes', selector: node.selector },
    fault: { mode: 'cordon' },
    timing: { hold: '3s', maxDuration: '2m' },
    probes: [httpProbe('web', probeUrl, { tolerance: { stableFor: '1s' } })],
    objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    approval: { required: false },
    safety: { maxFraction: 0.5 },
    report: { formats: ['json'] },
    ...extra,
  };
}

export async function writeYaml(dir: string, file: string, doc: Doc): Promise<string> {
  const p = path.join(dir, file);
  await writeFile(p, YAML.stringify(doc));
  return p;
}

/** The CLI as a user runs it, pointed at the stack and a test task queue; stdout is a pipe, not a TTY. */
export function cliEnv(stack: StackStatus, taskQueue: string, reportDir?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    KUBECONFIG: stack.kubeconfig,
    FIREDRILL_TASK_QUEUE: taskQueue,
    FIREDRILL_IDENTITY: 'it-operator',
    FIREDRILL_LOG_LEVEL: 'warn',
    ...(reportDir ? { FIREDRILL_REPORT_DIR: reportDir } : {}),
  };
}

export interface CliRun {
  child: ReturnType<typeof spawn>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [path.join('bin', 'firedrill.js'), ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

export async function connectClient(stack: StackStatus): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  return { client: new Client({ connection, namespace: stack.temporalNamespace }), close: () => connection.close() };
}

/**
 * A worker that also has the game-day report activity. Until activities/index.ts registers it,
 * the worker is built here like createDrillWorker builds it, with that activity added.
 */
export async function startGameDayWorker(stack: StackStatus, reportDir: string): Promise<TestWorker> {
  const log = createLogger({ level: 'warn' });
  const kubeFor = kubeConfigs(stack.kubeconfig);
  if ('writeGameDayReport' in createActivities({ kubeFor, log })) return startWorker(stack, { reportDir });
  installRuntimeLogger(log);
  const taskQueue = uniqueName('sched-it');
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.temporalNamespace });
  const deps = { kubeFor, log, temporal: client, reportDir };
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: stack.temporalNamespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }),
    activities: { ...createActivities(deps), ...createGameDayActivities(deps) },
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run();
  return {
    client, taskQueue, reportDir, target: temporalTargetFor(stack, taskQueue),
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}
