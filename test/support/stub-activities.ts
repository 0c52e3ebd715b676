import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type {
  Activities, InjectInput, InjectResult, ObserveInput, ObserveResult, PreflightResult, RestoreResult,
} from '../../activities/index.js';
import { holderIdentity, leaseTarget, targetsOverlap, type LeaseHolder } from '../../activities/lease-rules.js';

// Stand-ins for the activities, for workflow tests that need no cluster: every call is recorded
// (name, input, order) and answered by a default that describes a healthy drill, unless the test
// overrides that activity. The defaults never touch Kubernetes, the network or the disk.
//
//   const stubs = stubActivities({ injectFault: failWith('node is held', 'NodeHeld') });
//   ...run a workflow...
//   expect(stubs.names()).toEqual(['notify', 'preflight', ...]);

export type ActivityName = keyof Activities;
type InputOf<N extends ActivityName> = Parameters<Activities[N]>[0];

export interface Call<N extends ActivityName = ActivityName> {
  name: N;
  input: InputOf<N>;
  /** Wall-clock time the call started (activities run outside the workflow sandbox). */
  at: number;
}

export interface Stubs {
  /** Register these with the Worker. */
  activities: Activities;
  /** Every call in the order the activities started. */
  calls: Call[];
  /** The activity names of `calls`, in order. */
  names(): ActivityName[];
  /** Like names(), with observe's mode: `observe:baseline`, `observe:hold`, `observe:failback`. */
  steps(): string[];
  /** How often `name` was called. */
  count(name: ActivityName): number;
  /** The inputs `name` was called with, in order. */
  inputsOf<N extends ActivityName>(name: N): Array<InputOf<N>>;
  /** Resolves once `name` has been called `times` times (a test's "the run is inside X now"). */
  started(name: ActivityName, times?: number, timeoutMs?: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Canned answers, usable from overrides too.

/** Target nodes the default preflight returns. */
export const STUB_NODES = ['node-a-1', 'node-a-2'];

/** A preflight that allows the drill on STUB_NODES (or refuses it with `refuse` as the reason). */
export function preflightResult(opts: { nodes?: string[]; refuse?: string } = {}): PreflightResult {
  const nodes = opts.nodes ?? STUB_NODES;
  return {
    summary: {
      targetNodes: nodes.map((name) => ({ name, zone: 'zone-a', unschedulable: false })),
      clusterNodes: nodes.length * 3,
      workloads: [],
      losesAll: [],
      blockingPdbs: [],
      zoneBoundVolumes: [],
      pendingAfterMove: [],
      verdict: opts.refuse ? { allowed: false, reasons: [opts.refuse] } : { allowed: true, reasons: [] },
    },
    targetNodes: nodes,
    watched: [],
    cluster: { server: 'https://kube.invalid' },
  };
}

/**
 * An observation in which every probe was healthy from `startedAt` on, long enough to count as
 * steady (baseline and failback pass; the hold shows no impact, so RTO objectives are met).
 */
export function healthyObservation(input: ObserveInput, startedAt = Date.now(), extra: Partial<ObserveResult> = {}): ObserveResult {
  const longest = Math.max(0, ...input.probes.map((p) => p.tolerance.stableFor));
  const end = Math.max(Date.now(), startedAt + longest);
  const iso = (t: number) => new Date(t).toISOString();
  return {
    startedAt: iso(startedAt),
    endedAt: iso(end),
    probes: input.probes.map((p) => {
      const count = Math.max(1, Math.ceil((end - startedAt) / p.interval));
      return { name: p.name, segments: [{ from: iso(startedAt), to: iso(end), healthy: true, count }], failed: 0, total: count };
    }),
    capacity: [],
    rpo: [],
    ...(input.mode === 'baseline' ? { acked: {} } : {}),
    resumes: 0,
    ...extra,
  };
}

/** What a drain of `input.nodes` returns: each node cordoned, no pod evicted. */
export function injectResult(input: InjectInput): InjectResult {
  return {
    t0: new Date().toISOString(),
    nodes: input.nodes.map((name) => ({ name, actions: ['cordon'], wasCordoned: false })),
    evicted: 0,
    notEvicted: [],
    apiRetries: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Behaviours for overrides.

/** Resolves when the current activity is cancelled; heartbeats meanwhile, which is how cancellation reaches it. */
function cancelled(ctx: Context): Promise<void> {
  return new Promise((resolve) => {
    if (ctx.cancellationSignal.aborted) return resolve();
    const beat = setInterval(() => ctx.heartbeat(), 50);
    ctx.heartbeat();
    ctx.cancellationSignal.addEventListener('abort', () => { clearInterval(beat); resolve(); }, { once: true });
  });
}

/**
 * An activity that runs until the workflow cancels it, then reports the cancellation, with
 * `details(input)` attached when given (as observe hands back its timeline).
 */
export function untilCancelled<I, R>(details?: (input: I, startedAt: number) => unknown, opts: { stopsAfter?: Gate } = {}): (input: I) => Promise<R> {
  return async (input: I) => {
    const startedAt = Date.now();
    await cancelled(Context.current());
    // An activity slow to stop (a real one learns of it at its next heartbeat): ends when the test opens the gate.
    if (opts.stopsAfter) await opts.stopsAfter.opened;
    throw new CancelledFailure('cancelled by the workflow', details ? [details(input, startedAt)] : []);
  };
}

export interface Gate {
  /** Lets every activity waiting on this gate go on. */
  open(): void;
  readonly opened: Promise<void>;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((r) => { open = r; });
  return { open, opened };
}

/**
 * An activity that waits for `g` to open and then answers like `then`. It heartbeats while it
 * waits and gives up when cancelled (a worker shutting down at the end of a test cancels it).
 */
export function afterGate<I, R>(g: Gate, then: (input: I) => R | Promise<R>): (input: I) => Promise<R> {
  return async (input: I) => {
    const ctx = Context.current();
    await Promise.race([g.opened, cancelled(ctx)]);
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('cancelled while waiting for the test');
    return then(input);
  };
}

/** An activity that fails at once, without retries, with `message` (the drill's outcome reason). */
export function failWith(message: string, type = 'StubFailure'): () => Promise<never> {
  return async () => {
    throw ApplicationFailure.nonRetryable(message, type);
  };
}

/** The hold's observe ending early on a guardrail, as the probes engine reports it. */
export function guardrailHold(message: string, afterMs = 50): (input: ObserveInput) => Promise<ObserveResult> {
  return async (input) => {
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, afterMs));
    return healthyObservation(input, startedAt, { stoppedBy: { kind: 'guardrail', message } });
  };
}

// ---------------------------------------------------------------------------------------------

/** The default observe: baseline and failback are steady at once; the hold runs until the workflow ends it. */
const holdUntilCancelled = untilCancelled<ObserveInput, ObserveResult>((input, startedAt) => healthyObservation(input, startedAt));

export type ActivityOverrides = Partial<{ [N in ActivityName]: (input: InputOf<N>) => ReturnType<Activities[N]> | Awaited<ReturnType<Activities[N]>> }>;

/**
 * Stub activities: `overrides` replace single activities; the rest answer like a healthy drill
 * on STUB_NODES. restoreNodes restores what injectFault was given for the same run id. Pass a
 * function to build overrides from the defaults, e.g. `(d) => ({ restoreNodes: afterGate(g, d.restoreNodes) })`.
 */
export function stubActivities(overrides: ActivityOverrides | ((defaults: Activities) => ActivityOverrides) = {}): Stubs {
  const calls: Call[] = [];
  const waiters: Array<() => void> = [];
  const injectedNodes = (runId: string) => calls
    .filter((c): c is Call<'injectFault'> => c.name === 'injectFault' && (c.input as InjectInput).runId === runId)
    .flatMap((c) => c.input.nodes);

  // The target leases, as one cluster would keep them: one per target, refused on overlap.
  const leases = new Map<string, LeaseHolder & { expiresAt: number }>();
  const leaseKey = (t: LeaseHolder['target']) => JSON.stringify(t);

  const defaults: Activities = {
    preflight: async () => preflightResult(),
    observe: async (input) => (input.mode === 'hold' ? holdUntilCancelled(input) : healthyObservation(input)),
    injectFault: async (input) => injectResult(input),
    // fault.includeNewNodes: no node joins unless a test says so.
    faultJoiningNodes: untilCancelled(() => ({ nodes: [], evicted: 0, apiRetries: 0 })),
    restoreNodes: async (input): Promise<RestoreResult> => ({
      nodes: [...new Set(injectedNodes(input.runId))].map((name) => ({ name, restored: true })),
      blockedMs: 0,
      apiRetries: 0,
      attempt: 1,
    }),
    listMarkedRuns: async () => [],
    scanMarks: async () => ({ cluster: 'stub-cluster', runs: [], problems: [], notes: [] }),
    janitorContexts: async () => [null],
    isRunOpen: async () => false,
    verifyApproval: async () => ({ ok: false, reason: 'the stub checks no signature' }),
    writeReport: async (input) => ({ dir: `reports/${input.result.drill.name}/${input.result.run.workflowId}`, files: [], warnings: [] }),
    notify: async () => undefined,
    writeGameDayReport: async (input) => ({ dir: `reports/${input.result.day.name}/${input.result.run.workflowId}`, files: [] }),
    acquireLease: async (input) => {
      const me: LeaseHolder = { workflowId: input.workflowId, runId: input.runId, drill: input.drill, target: leaseTarget(input.target), nodes: input.nodes };
      const now = Date.now();
      for (const [key, h] of leases) {
        if (h.expiresAt <= now || holderIdentity(h) === holderIdentity(me) || !targetsOverlap(me, h)) continue;
        return { ok: false, lease: `firedrill/stub-${key}`, holder: { workflowId: h.workflowId, runId: h.runId, drill: h.drill, target: h.target }, expiresAt: new Date(h.expiresAt).toISOString() };
      }
      const expiresAt = now + input.durationMs;
      leases.set(leaseKey(me.target), { ...me, expiresAt });
      return { ok: true, lease: `firedrill/stub-${leaseKey(me.target)}`, expiresAt: new Date(expiresAt).toISOString() };
    },
    releaseLease: async (input) => {
      const key = leaseKey(leaseTarget(input.target));
      const h = leases.get(key);
      const mine = h !== undefined && holderIdentity(h) === holderIdentity(input);
      if (mine) leases.delete(key);
      return { released: mine, lease: `firedrill/stub-${key}` };
    },
  };

  const own = typeof overrides === 'function' ? overrides(defaults) : overrides;
  const activities = {} as Record<ActivityName, (input: unknown) => Promise<unknown>>;
  for (const name of Object.keys(defaults) as ActivityName[]) {
    const impl = (own[name] ?? defaults[name]) as (input: unknown) => unknown;
    activities[name] = async (input: unknown) => {
      calls.push({ name, input, at: Date.now() } as Call);
      for (const w of waiters.splice(0)) w();
      return impl(input);
    };
  }

  const count = (name: ActivityName) => calls.filter((c) => c.name === name).length;
  return {
    activities: activities as unknown as Activities,
    calls,
    names: () => calls.map((c) => c.name),
    steps: () => calls.map((c) => (c.name === 'observe' ? `observe:${(c.input as ObserveInput).mode}` : c.name)),
    count,
    inputsOf: <N extends ActivityName>(name: N) => calls.filter((c) => c.name === name).map((c) => c.input as InputOf<N>),
    async started(name, times = 1, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (count(name) < times) {
        if (Date.now() > deadline) throw new Error(`${name} was called ${count(name)} time(s), not ${times}, within ${timeoutMs} ms; calls: ${calls.map((c) => c.name).join(', ')}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          waiters.push(() => { clearTimeout(t); r(); });
        });
      }
    },
  };
}
