import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import YAML from 'yaml';
import { matchesLabelSelector } from '../../activities/census/selectors.js';
import { RUN_LABEL, TAINT_KEY } from '../../activities/faults/marks.js';
import type { TemporalTarget } from '../../client/connection.js';
import { projectRoot } from '../../devstack/paths.js';
import type { StackStatus } from '../../devstack/stack.js';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import type { DrillSpec } from '../../drills/schema/index.js';
import { startSimulator, type Simulator } from '../../simulator/server.js';
import { loadConfig } from '../../worker/config.js';
import { createLogger } from '../../worker/logger.js';
import { createDrillWorker, workflowsPath } from '../../worker/worker.js';
import { eventually, readyPodZones, uniqueName } from './kube.js';

// Helpers for running whole drills against the real local stack: workers (in-process and as a
// child process that can be SIGKILLed), drill specs that go through the real loader, a service
// simulator per file, a workload placed on nodes the test claims for itself, and node checks.

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const ZONE = 'topology.kubernetes.io/zone';

// ---------------------------------------------------------------------------------------------
// Workers

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
  return { address: stack.temporalAddress, namespace: stack.temporalNamespace, taskQueue, uiUrl: stack.temporalUiUrl };
}

/**
 * An in-process drill worker on its own task queue, running in the background until stop().
 * `env` overrides its environment, e.g. KUBECONFIG for other credentials or FIREDRILL_NODE_NAME.
 */
export async function startWorker(stack: StackStatus, opts: { taskQueue?: string; reportDir?: string; env?: Record<string, string> } = {}): Promise<TestWorker> {
  const taskQueue = opts.taskQueue ?? uniqueName('drill-it');
  const ownDir = opts.reportDir === undefined;
  const reportDir = opts.reportDir ?? await mkdtemp(path.join(tmpdir(), 'firedrill-it-'));
  const config = loadConfig({
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    KUBECONFIG: stack.kubeconfig,
    FIREDRILL_TASK_QUEUE: taskQueue,
    FIREDRILL_REPORT_DIR: reportDir,
    FIREDRILL_LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const dw = await createDrillWorker(config, createLogger({ level: 'warn' }), { workflowBundle: await workflowBundle() });
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
  const connection = await Connection.connect({ address: stack.temporalAddress });
  return { client: new Client({ connection, namespace: stack.temporalNamespace }), close: () => connection.close() };
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
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.temporalNamespace,
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

// ---------------------------------------------------------------------------------------------
// Drill specs

type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
function merge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isDoc(b) && isDoc(v) ? merge(b, v) : v;
  }
  return out;
}

export interface LoadedDrill {
  spec: DrillSpec;
  sha256: string;
}

/**
 * A drill with short timings, written as YAML and read back through the real loader, so the
 * schema validates it and fills its defaults exactly as for a file in drills/.
 */
export async function drillSpec(overrides: Doc): Promise<LoadedDrill> {
  const base: Doc = {
    apiVersion: 'firedrill.dev/v1',
    kind: 'Drill',
    // Unique per drill: startDrill refuses a second open run of the same drill and target.
    metadata: { name: uniqueName('it-drill'), owner: 'integration-tests' },
    fault: { mode: 'drain', evictionTimeout: '10s' },
    timing: { hold: '12s', maxDuration: '3m' },
    approval: { required: false },
    safety: { maxFraction: 0.5 },
    report: { formats: ['json'] },
  };
  const source = YAML.stringify(merge(base, overrides));
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-spec-'));
  try {
    const file = path.join(dir, 'drill.yaml');
    await writeFile(file, source);
    const loaded = await loadDrillFile(file);
    if (!loaded.ok) throw new Error(`test drill is invalid:\n${loaded.problems.map(formatProblem).join('\n')}\n---\n${source}`);
    return { spec: loaded.spec, sha256: loaded.sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An HTTP probe with short timings: 500 ms interval, stable after 2 s. */
export function httpProbe(name: string, url: string, extra: Doc = {}): Doc {
  return { name, type: 'http', url, interval: '500ms', timeout: '1s', tolerance: { stableFor: '2s' }, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Drill runs

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

// ---------------------------------------------------------------------------------------------
// Simulator

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export const SIMULATOR_POLL_MS = 200;

/** The service simulator on a free port, watching the test's namespace only. */
export async function startTestSimulator(kc: k8s.KubeConfig, namespace: string): Promise<Simulator> {
  return startSimulator({ kc, port: await freePort(), namespaces: [namespace], pollMs: SIMULATOR_POLL_MS });
}

export interface Transition { at: string; up: boolean }

/** The simulator's ground truth for a service: every up/down change it saw, with its time. */
export async function truthOf(sim: Simulator, namespace: string, service: string): Promise<Transition[]> {
  const res = await fetch(`${sim.url}/truth/${namespace}/${service}`);
  if (!res.ok) throw new Error(`truth endpoint answered HTTP ${res.status}`);
  return ((await res.json()) as { transitions: Transition[] }).transitions;
}

// ---------------------------------------------------------------------------------------------
// Nodes the test claims for itself

export interface ClaimedNodes {
  names: string[];
  /** `firedrill-test/<id>`: the label (=target) and the NoSchedule taint the test put on them. */
  key: string;
  selector: string;
  toleration: k8s.V1Toleration;
  release(): Promise<void>;
}

/** Pods that belong to someone else: not DaemonSet pods, not finished, not already going. */
function isForeignPod(p: k8s.V1Pod): boolean {
  if (p.metadata?.deletionTimestamp) return false;
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return false;
  return !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet');
}

async function patchNodeWithRetry(core: k8s.CoreV1Api, name: string, change: (n: k8s.V1Node) => object | undefined): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const node = await core.readNode({ name });
    const body = change(node);
    if (!body) return;
    try {
      await core.patchNode({ name, body: merge({ metadata: { resourceVersion: node.metadata?.resourceVersion } }, body as Doc) }, MERGE);
      return;
    } catch (err) {
      if ((err as k8s.ApiException<unknown>).code !== 409) throw err;
    }
  }
  throw new Error(`node ${name} kept changing; gave up patching it`);
}

/**
 * Labels `count` schedulable dev nodes of the given zones `firedrill-test/<id>=target` and
 * taints them NoSchedule for everyone but this test's pods, then evicts other people's pods from
 * them, so a drain or a power loss there touches only what the test created. Nodes whose pods
 * a PodDisruptionBudget protects are never chosen.
 */
export async function claimNodes(kc: k8s.KubeConfig, opts: { id: string; count: number; zones: string[] }): Promise<ClaimedNodes> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const policy = kc.makeApiClient(k8s.PolicyV1Api);
  const key = `firedrill-test/${opts.id}`;
  const taint: k8s.V1Taint = { key, value: 'target', effect: 'NoSchedule' };
  const [nodes, pods, pdbs] = await Promise.all([
    core.listNode({ labelSelector: 'firedrill.dev/dev-node=true' }),
    core.listPodForAllNamespaces(),
    policy.listPodDisruptionBudgetForAllNamespaces(),
  ]);
  const guarded = (p: k8s.V1Pod) => pdbs.items.some((b) => b.metadata?.namespace === p.metadata?.namespace
    && b.spec?.selector && matchesLabelSelector(p.metadata?.labels ?? {}, b.spec.selector));
  const candidates = nodes.items
    .filter((n) => opts.zones.includes(n.metadata?.labels?.[ZONE] ?? '') && !n.spec?.unschedulable && !(n.spec?.taints?.length)
      && !Object.keys(n.metadata?.labels ?? {}).some((l) => l === RUN_LABEL || /^firedrill-(sched-)?test\//.test(l)))
    .map((n) => {
      const name = n.metadata?.name ?? '';
      const mine = pods.items.filter((p) => p.spec?.nodeName === name && isForeignPod(p));
      return { name, foreign: mine.length, guarded: mine.some(guarded) };
    })
    .filter((c) => !c.guarded)
    .sort((a, b) => a.foreign - b.foreign || a.name.localeCompare(b.name));
  if (candidates.length < opts.count) throw new Error(`only ${candidates.length} free nodes in ${opts.zones.join(', ')}; need ${opts.count}`);
  const names = candidates.slice(0, opts.count).map((c) => c.name);

  const applied: string[] = [];
  const release = async () => {
    for (const name of applied) {
      await patchNodeWithRetry(core, name, (n) => {
        const taints = (n.spec?.taints ?? []).filter((t) => t.key !== key);
        return { metadata: { labels: { [key]: null } }, spec: { taints: taints.length ? taints : null } };
      });
    }
    const left = (await core.listNode()).items
      .filter((n) => n.metadata?.labels?.[key] !== undefined || n.spec?.taints?.some((t) => t.key === key))
      .map((n) => n.metadata?.name);
    if (left.length) throw new Error(`nodes still carry ${key}: ${left.join(', ')}`);
  };
  try {
    for (const name of names) {
      await patchNodeWithRetry(core, name, (n) => ({
        metadata: { labels: { [key]: 'target' } },
        spec: { taints: [...(n.spec?.taints ?? []), taint] },
      }));
      applied.push(name);
    }
    // Other people's pods leave through the Eviction API (the chosen nodes have no PDB-guarded pods).
    for (const p of pods.items.filter((x) => names.includes(x.spec?.nodeName ?? '') && isForeignPod(x))) {
      const name = p.metadata?.name ?? '';
      const namespace = p.metadata?.namespace ?? '';
      await core.createNamespacedPodEviction({ name, namespace, body: { metadata: { name, namespace } } })
        // Gone already, or its namespace is being deleted (its pods leave by themselves).
        .catch((err: unknown) => { if (![403, 404].includes((err as k8s.ApiException<unknown>).code)) throw err; });
    }
    await eventually('claimed nodes free of other pods', async () => {
      const left = (await core.listPodForAllNamespaces()).items
        .filter((p) => names.includes(p.spec?.nodeName ?? '') && !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet'));
      return left.length === 0;
    }, 60_000, 500);
  } catch (err) {
    await release();
    throw err;
  }
  return {
    names,
    key,
    selector: `${key}=target`,
    toleration: { key, operator: 'Equal', value: 'target', effect: 'NoSchedule' },
    release,
  };
}

// ---------------------------------------------------------------------------------------------
// Workload

export interface WebOptions {
  replicas?: number;
  /** kwok's simulated startup time (scheduling to Ready). */
  readyDelay?: string;
  /** Only the claimed nodes (nodeSelector): cannot fail over. Otherwise they are only preferred. */
  pinned?: boolean;
  labels?: Record<string, string>;
}

/**
 * A Deployment and its Service, placed on the claimed nodes (preferred or pinned), and waits
 * until every replica is ready there. Returns the ready pods.
 */
export async function deployWeb(kc: k8s.KubeConfig, namespace: string, name: string, nodes: ClaimedNodes, opts: WebOptions = {}) {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const replicas = opts.replicas ?? 1;
  const onTarget: k8s.V1NodeSelectorRequirement = { key: nodes.key, operator: 'In', values: ['target'] };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, namespace },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: {
            labels: { app: name, ...opts.labels },
            annotations: { 'pod-ready.stage.kwok.x-k8s.io/delay': opts.readyDelay ?? '4s' },
          },
          spec: {
            tolerations: [nodes.toleration],
            ...(opts.pinned
              ? { nodeSelector: { [nodes.key]: 'target' } }
              : { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [onTarget] } }] } } }),
            containers: [{ name: 'web', image: 'registry.invalid/web:1', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
          },
        },
      },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  return eventually(`${replicas} ready replicas of ${name} on the claimed nodes`, async () => {
    const pods = await readyPodZones(kc, namespace, name);
    return pods.length === replicas && pods.every((p) => nodes.names.includes(p.node)) ? pods : undefined;
  }, 60_000, 250);
}

/** Deletes the Deployment and Service and waits until their pods are gone. */
export async function deleteWeb(kc: k8s.KubeConfig, namespace: string, name: string): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' }).catch(() => undefined);
  await core.deleteNamespacedService({ name, namespace }).catch(() => undefined);
  await eventually(`pods of ${name} gone`, async () =>
    (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items.length === 0, 60_000, 250);
}

/**
 * Deletes the namespace and waits until it is gone: its pods (and PDBs) would otherwise still
 * sit on the nodes the next file wants to claim.
 */
export async function deleteNamespaceAndWait(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
  await eventually(`namespace ${name} gone`, async () => {
    try {
      await core.readNamespace({ name });
      return false;
    } catch (err) {
      return (err as k8s.ApiException<unknown>).code === 404;
    }
  }, 120_000, 500);
}

// ---------------------------------------------------------------------------------------------
// Node checks

export interface NodeState {
  name: string;
  unschedulable: boolean;
  taints: k8s.V1Taint[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: k8s.V1NodeSpec;
}

export async function snapshotNodes(kc: k8s.KubeConfig): Promise<Map<string, NodeState>> {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
  return new Map(nodes.items.map((n) => {
    const name = n.metadata?.name ?? '';
    return [name, {
      name,
      unschedulable: Boolean(n.spec?.unschedulable),
      taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      labels: { ...n.metadata?.labels },
      annotations: { ...n.metadata?.annotations },
      spec: JSON.parse(JSON.stringify(n.spec ?? {})) as k8s.V1NodeSpec,
    }];
  }));
}

const firedrillKeys = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('firedrill.dev/')).sort(([a], [b]) => a.localeCompare(b)));

/**
 * What changed on the nodes since `before`, as readable lines (empty = nothing): cordon state,
 * taints and firedrill.dev/* labels and annotations. A node marked by a run that is not one of
 * `mine` (someone's demo drill running beside the tests) is left out. `strict` also compares the
 * whole spec and every label and annotation of the nodes it names.
 */
export async function nodeChanges(
  kc: k8s.KubeConfig,
  before: Map<string, NodeState>,
  opts: { mine?: Iterable<string>; strict?: Iterable<string> } = {},
): Promise<string[]> {
  const after = await snapshotNodes(kc);
  const mine = new Set(opts.mine ?? []);
  const strict = new Set(opts.strict ?? []);
  const foreign = (s?: NodeState) => {
    const run = s?.labels[RUN_LABEL];
    return run !== undefined && !mine.has(run);
  };
  const out: string[] = [];
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) continue;
    const run = a.labels[RUN_LABEL];
    if (run !== undefined && mine.has(run)) out.push(`${name}: still marked by run ${run}`);
    for (const t of a.taints) if (t.key === TAINT_KEY && mine.has(t.value ?? '')) out.push(`${name}: still has the power-loss taint of ${t.value}`);
    if (foreign(a) || foreign(b)) continue;
    const diff = (what: string, x: unknown, y: unknown) => {
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${name}: ${what} was ${JSON.stringify(x)}, now ${JSON.stringify(y)}`);
    };
    diff('unschedulable', b.unschedulable, a.unschedulable);
    // Other test files claim and release nodes concurrently: their claim taints are not changes.
    const own = (ts: NodeState['taints']) => ts.filter((t) => !t.key.startsWith('firedrill-test/'));
    diff('taints', own(b.taints), own(a.taints));
    diff('firedrill labels', firedrillKeys(b.labels), firedrillKeys(a.labels));
    diff('firedrill annotations', firedrillKeys(b.annotations), firedrillKeys(a.annotations));
    if (strict.has(name)) {
      diff('spec', b.spec, a.spec);
      diff('labels', b.labels, a.labels);
      diff('annotations', b.annotations, a.annotations);
    }
  }
  return [...new Set(out)];
}

/** Run ids whose marks (label) are on any node right now. */
export async function markedRuns(kc: k8s.KubeConfig): Promise<Map<string, string[]>> {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode({ labelSelector: RUN_LABEL });
  const out = new Map<string, string[]>();
  for (const n of nodes.items) {
    const run = n.metadata?.labels?.[RUN_LABEL] ?? '';
    out.set(run, [...(out.get(run) ?? []), n.metadata?.name ?? ''].sort());
  }
  return out;
}
