import path from 'node:path';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import pino from 'pino';
import { withLock } from '../../devstack/lock.js';
import { cacheRoot, projectRoot } from '../../devstack/paths.js';
import { ensureTemporal } from '../../devstack/provision.js';
import type { DrillSpec } from '../../drills/schema/index.js';
import { loadWorkflowBundle } from '../../worker/bundle.js';
import {
  DRILL_SA, drillSearchAttributes, drillWorkflowType, gameDayWorkflowType, janitorWorkflowType, scheduledDrillWorkflowType, TARGET_SA,
  type DrillInput, type DrillWorkflow, type GameDayInput, type GameDayWorkflow, type JanitorInput, type JanitorWorkflow,
  type DrillPhase, type DrillStatus, type ScheduledDrillInput, type ScheduledDrillWorkflow, statusQuery,
} from '../../workflows/contract.js';
import type { Stubs } from './stub-activities.js';

// Workflow tests without a cluster: the real workflow code on a real (private, in-memory)
// Temporal dev server, with stub activities (stub-activities.ts). One server per test file:
//
//   let wf: WorkflowEnv;
//   beforeAll(async () => { wf = await startWorkflowEnv(); });
//   afterAll(() => wf?.teardown());
//   it('...', () => wf.withWorker(stubActivities(), async (t) => {
//     const handle = await t.startDrill(drillFixture({ timing: { hold: 200 } }));
//     expect((await handle.result()).outcome).toBe('passed');
//     expect(t.stubs.count('restoreNodes')).toBe(1);
//   }));
//
// The server is the project's pinned Temporal CLI (the unit project's global setup builds it
// into the cache like `dev up` does): the SDK's time-skipping server is a download, and tests
// must run offline. There is no time skipping, so specs use millisecond timings.

export interface WorkflowEnv {
  env: TestWorkflowEnvironment;
  client: Client;
  /**
   * Runs `fn` while a worker with `stubs` as its activities polls a task queue of its own; the
   * workflows started through the context are terminated afterwards if still open.
   */
  withWorker<T>(stubs: Stubs, fn: (t: WorkerContext) => Promise<T>): Promise<T>;
  teardown(): Promise<void>;
}

export interface WorkerContext {
  client: Client;
  taskQueue: string;
  stubs: Stubs;
  /** A drill run of `spec` (input fields override the defaults: manual trigger, no approval). */
  startDrill(spec: DrillSpec, input?: Partial<Omit<DrillInput, 'spec'>>): Promise<WorkflowHandleWithFirstExecutionRunId<DrillWorkflow>>;
  startGameDay(input: GameDayInput): Promise<WorkflowHandleWithFirstExecutionRunId<GameDayWorkflow>>;
  startScheduled(spec: DrillSpec, input?: Partial<Omit<ScheduledDrillInput, 'spec'>>): Promise<WorkflowHandleWithFirstExecutionRunId<ScheduledDrillWorkflow>>;
  startJanitor(input?: JanitorInput): Promise<WorkflowHandleWithFirstExecutionRunId<JanitorWorkflow>>;
}

let bundle: Promise<{ code: string }> | undefined;

/**
 * The current workflows bundle, built by worker/bundle.ts (cached by source hash under the
 * firedrill cache, so test files and workers share one build per change of workflows/). Test
 * files start together: the lock lets one of them build while the others wait for its file.
 */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= withLock(cacheRoot(), 'workflow-bundle', () =>
    loadWorkflowBundle(path.join(projectRoot, 'workflows', 'index.ts'), pino({ level: 'silent' })));
  return bundle;
}

/** The SDK's own logs at WARN (its INFO lines for every worker state change drown test output). */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed in this process: keep it.
  }
}

let ids = 0;
const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${++ids}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A private Temporal dev server (random free port, in-memory database, the FiredrillDrill and
 * FiredrillTarget search attributes registered) and the workflows bundle. Call once per file.
 */
export async function startWorkflowEnv(): Promise<WorkflowEnv> {
  quietRuntime();
  const [temporal] = await Promise.all([ensureTemporal(() => undefined), workflowBundle()]);
  const env = await createLocal(temporal);
  const { client } = env;
  return {
    env,
    client,
    async withWorker(stubs, fn) {
      const taskQueue = uniqueId('wf-test');
      const started: WorkflowHandle[] = [];
      const track = <H extends WorkflowHandle>(h: H) => { started.push(h); return h; };
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: stubs.activities,
        // Cancellation reaches an activity with a heartbeat's answer: answer quickly.
        maxHeartbeatThrottleInterval: '100 ms',
        defaultHeartbeatThrottleInterval: '100 ms',
      });
      const t: WorkerContext = {
        client,
        taskQueue,
        stubs,
        startDrill: async (spec, input = {}) => track(await client.workflow.start(drillWorkflowType, {
          taskQueue,
          workflowId: uniqueId(spec.metadata.name),
          args: [{ spec, specSha256: 'stub-sha256', trigger: 'manual', firedrillVersion: '0.0.0-test', ...input }],
          typedSearchAttributes: drillSearchAttributes(spec),
        })),
        startGameDay: async (input) => track(await client.workflow.start(gameDayWorkflowType, {
          taskQueue, workflowId: uniqueId(input.day.name), args: [input],
        })),
        startScheduled: async (spec, input = {}) => track(await client.workflow.start(scheduledDrillWorkflowType, {
          taskQueue,
          workflowId: uniqueId(`${spec.metadata.name}-scheduled`),
          args: [{ spec, specSha256: 'stub-sha256', firedrillVersion: '0.0.0-test', ...input }],
        })),
        startJanitor: async (input = {}) => track(await client.workflow.start(janitorWorkflowType, {
          taskQueue, workflowId: uniqueId('janitor'), args: [input],
        })),
      };
      try {
        return await worker.runUntil(fn(t));
      } finally {
        // A test that failed half-way leaves runs waiting (for approval, say): end them here so
        // the server has nothing left for a worker that no longer exists.
        for (const h of started) await h.terminate('test finished').catch(() => undefined);
      }
    },
    teardown: () => env.teardown(),
  };
}

/**
 * createLocal, tried three times: the SDK gives the server a few seconds to open its port, which
 * two busy cores (other test files starting their own servers) sometimes miss.
 */
async function createLocal(temporal: string): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: temporal },
          ip: '127.0.0.1',
          searchAttributes: [DRILL_SA, TARGET_SA],
          log: { format: 'pretty', level: 'error' },
        },
      });
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Specs

type DeepPartial<T> = T extends ReadonlyArray<unknown> ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out as T;
}

/**
 * A parsed drill (every default filled, durations in ms) with timings small enough for tests:
 * a 200 ms hold, one HTTP probe stable after 100 ms and an RTO objective the default stubs meet.
 * The workflow does not validate specs again, so values below the schema's minimums are fine.
 * Objects in `overrides` merge key by key; arrays and scalars replace.
 */
export function drillFixture(overrides: DeepPartial<DrillSpec> = {}): DrillSpec {
  const base: DrillSpec = {
    apiVersion: 'firedrill.dev/v1',
    kind: 'Drill',
    metadata: { name: 'wf-drill', owner: 'workflow-tests', tags: [] },
    target: { type: 'zone', zone: 'zone-a', zoneLabel: 'topology.kubernetes.io/zone' },
    fault: { mode: 'drain', concurrency: 20, evictionTimeout: 1_000 },
    timing: { hold: 200, maxDuration: 60_000 },
    probes: [{
      type: 'http', name: 'web', url: 'http://web.invalid/', method: 'GET', expectStatus: [200], timeout: 100,
      interval: 100, tolerance: { stableFor: 100, allowedFailures: 0 },
    }],
    objectives: [{ type: 'rto', probe: 'web', target: 30_000 }],
    guardrails: { abortAtMaxDuration: true },
    approval: { required: false, timeout: 60_000, quorum: 1 },
    safety: {
      maxFraction: 0.5, allowWholeCluster: false, protectedNamespaces: ['kube-system'], allowWorkerInTarget: false,
      allowTemporalInTarget: false, allowMonitoringInTarget: false, monitoring: [],
    },
    report: { formats: ['json'], outDir: 'reports' },
  };
  return merge(base, overrides);
}

/** A game day of `drills` (already approved unless `approval` says otherwise). */
export function gameDayFixture(drills: DrillSpec[], day: DeepPartial<GameDayInput['day']> = {}, extra: Partial<Omit<GameDayInput, 'day' | 'drills'>> = {}): GameDayInput {
  return {
    day: merge<GameDayInput['day']>({ name: 'wf-gameday', owner: 'workflow-tests', sha256: 'stub-sha256', approval: { required: false, timeout: 60_000 } }, day),
    drills: drills.map((spec, i) => ({ file: `drills/${spec.metadata.name}.yaml`, spec, specSha256: `stub-sha256-${i}` })),
    firedrillVersion: '0.0.0-test',
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting on a run

/**
 * Polls `read` (usually `() => handle.query(statusQuery)`) until `done` holds and returns that
 * value; fails with the last value seen. A query can fail while the run's first task is still
 * pending, so errors count as "not yet".
 */
export async function waitUntil<S>(read: () => Promise<S>, done: (s: S) => boolean, what: string, timeoutMs = 20_000): Promise<S> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const s = await read();
      if (done(s)) return s;
      last = s;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

/** Waits until the drill's status query reports `phase`. */
export function waitForDrillPhase(handle: WorkflowHandle<DrillWorkflow>, phase: DrillPhase, timeoutMs?: number): Promise<DrillStatus> {
  return waitUntil(() => handle.query(statusQuery), (s) => s.phase === phase, `phase ${phase}`, timeoutMs);
}
