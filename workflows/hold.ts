import {
  ActivityCancellationType, CancellationScope, CancelledFailure, condition, isCancellation, patched, proxyActivities, type ActivityInterfaceFor,
} from '@temporalio/workflow';
import type { Activities, FaultJoiningResult, InjectResult, ObserveResult, PreflightResult } from '../activities/index.js';
import type { DrillSpec } from '../drills/schema/index.js';
import type { Outcome } from '../report/result.js';
import { formatDuration } from '../report/format.js';
import type { Journal } from './journal.js';
import { now } from './journal.js';

// Inject and hold: the fault goes in while the probes watch, stays for the hold, and comes out
// (restore, in the drill's `finally`) when the hold ends, a guardrail trips, an operator aborts,
// or timing.maxDuration runs out. Two versions: `injectAndHold` and, for runs recorded before
// it (replayed from history), `injectAndHoldV1`, kept exactly as it was.

export interface HoldContext {
  spec: DrillSpec;
  a: {
    observe: Pick<ActivityInterfaceFor<Activities>, 'observe'>;
    inject: Pick<ActivityInterfaceFor<Activities>, 'injectFault'>;
  };
  runId: string;
  workflowId: string;
  plan: PreflightResult;
  baseline: ObserveResult | undefined;
  journal: Journal;
  isAborted: () => boolean;
  stop: (o: Outcome, reason: string) => void;
}

/** What the phase recorded; filled in as it goes, so a failure still leaves it to the report. */
export interface HoldState {
  injectAttempted: boolean;
  injection?: InjectResult;
  hold?: ObserveResult;
  /** fault.includeNewNodes: the nodes that joined the target during the hold and were faulted. */
  joined?: FaultJoiningResult;
  /**
   * An abort ended the hold: the probes' activity was asked to stop and learns of it at its next
   * heartbeat, up to about two seconds later. Restore does not wait for that (the probes change
   * nothing); the drill awaits this before failback, and then `hold` holds the partial timeline.
   */
  probesStopping?: Promise<void>;
}

/** Margin past the cap for the observation's own deadline: the workflow's cap always ends it first. */
const OBSERVE_MARGIN_MS = 30_000;

/** What a cancelled activity hands back with its cancellation (a timeline, the nodes it faulted). */
function cancelledWith<T>(err: unknown): T | undefined {
  const c = (err as { cause?: unknown }).cause ?? err;
  return c instanceof CancelledFailure ? (c.details[0] as T | undefined) : undefined;
}
const partialObservation = (err: unknown) => cancelledWith<ObserveResult>(err);

/**
 * fault.includeNewNodes: from T0 until the hold ends, nodes joining the target get the fault too.
 * Returns the promise to await (non-cancellably) before restore, and the scope that ends it.
 */
function faultJoiningNodes(s: HoldState, c: HoldContext, injection: InjectResult): { scope: CancellationScope; done: Promise<void> } {
  const { spec } = c;
  const act = proxyActivities<Activities>({
    startToCloseTimeout: spec.timing.maxDuration + OBSERVE_MARGIN_MS,
    heartbeatTimeout: '15 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 10 },
  });
  const scope = new CancellationScope();
  const done = scope.run(() => act.faultJoiningNodes({
    runId: c.runId, workflowId: c.workflowId, mode: spec.fault.mode, target: spec.target, planned: c.plan.targetNodes,
    restoreBy: injection.restoreBy ?? now(), markedAt: injection.injectStartedAt ?? injection.t0,
    concurrency: spec.fault.concurrency, evictionTimeoutMs: spec.fault.evictionTimeout,
    ...(spec.fault.gracePeriod !== undefined ? { gracePeriodMs: spec.fault.gracePeriod } : {}),
    protectedNamespaces: spec.safety.protectedNamespaces, context: spec.target.context,
  })).then((r) => { s.joined = r; }, (err: unknown) => {
    s.joined = cancelledWith<FaultJoiningResult>(err);
    if (!isCancellation(err)) c.journal.add('warning', `nodes joining the target were no longer faulted: ${(err as Error).message}`);
  });
  return { scope, done };
}

/** Joined nodes count as changed nodes from here on: restore undoes them like the planned ones. */
function recordJoined(s: HoldState, journal: Journal): void {
  const joined = s.joined?.nodes.filter((n) => n.actions.length > 0) ?? [];
  if (!joined.length || !s.injection) return;
  s.injection = { ...s.injection, nodes: [...s.injection.nodes, ...joined], evicted: s.injection.evicted + (s.joined?.evicted ?? 0) };
  journal.add('warning', `${joined.length} node(s) joined the target during the hold and were faulted too (fault.includeNewNodes): ${joined.map((n) => n.name).join(', ')}`);
}

function observeInput(c: HoldContext, durationMs: number) {
  const { spec, plan: p, baseline } = c;
  return {
    mode: 'hold' as const, probes: spec.probes, durationMs, context: spec.target.context,
    guardrails: {
      ...(spec.guardrails.probeFailingLongerThan !== undefined ? { probeFailingLongerThanMs: spec.guardrails.probeFailingLongerThan } : {}),
      ...(spec.guardrails.maxErrorBudget !== undefined ? { maxErrorBudget: spec.guardrails.maxErrorBudget } : {}),
    },
    capacity: { workloads: p.watched, targetNodes: p.targetNodes, intervalMs: 1000 },
    ...(baseline?.acked ? { priorAcked: baseline.acked } : {}),
  };
}

function injectInput(c: HoldContext) {
  const { spec } = c;
  return {
    runId: c.runId, workflowId: c.workflowId, mode: spec.fault.mode, nodes: c.plan.targetNodes,
    concurrency: spec.fault.concurrency, evictionTimeoutMs: spec.fault.evictionTimeout,
    ...(spec.fault.gracePeriod !== undefined ? { gracePeriodMs: spec.fault.gracePeriod } : {}),
    protectedNamespaces: spec.safety.protectedNamespaces, context: spec.target.context,
    // The marks' restore-by deadline counts from the first change, like the cap.
    maxDurationMs: spec.timing.maxDuration,
  };
}

/**
 * timing.maxDuration counts from the first change to a node until restore starts, and is a hard
 * cap: a workflow timer ends the injection (cancelled where it is: no new patch or eviction is
 * sent) and the hold, whatever they are doing. Waiting for approval and the baseline come before
 * and do not count. The hold runs from T0 for timing.hold.
 */
export async function injectAndHold(s: HoldState, c: HoldContext): Promise<void> {
  const { spec, a, journal } = c;
  const maxMs = spec.timing.maxDuration;
  journal.enter('inject', `${spec.fault.mode} on ${c.plan.targetNodes.length} node(s)`);
  s.injectAttempted = true;
  // The cap counts from here, a little before the first patch: the fault never outlasts it.
  const capAt = Date.parse(now()) + maxMs;
  let capped = false;

  // Probes watch from the start of injection: impact and recovery can happen while a drain is
  // still going. The workflow ends the observation (and gets the timeline back) or a guardrail does.
  const observeScope = new CancellationScope();
  let observed = false;
  let observeError: unknown;
  // Neither chain rejects: a rejection nobody awaits yet would fail the workflow task.
  const observing = observeScope.run(() => a.observe.observe(observeInput(c, maxMs + OBSERVE_MARGIN_MS)))
    .then((r) => { s.hold = r; }, (err: unknown) => { s.hold = partialObservation(err); if (!isCancellation(err)) observeError = err; })
    .finally(() => { observed = true; });

  const injectScope = new CancellationScope();
  let injected = false;
  let injectError: unknown;
  const injecting = injectScope.run(() => a.inject.injectFault(injectInput(c)))
    .then((r) => { s.injection = r; }, (err: unknown) => { if (!isCancellation(err)) injectError = err; })
    .finally(() => { injected = true; });

  let joining: { scope: CancellationScope; done: Promise<void> } | undefined;

  const capNote = (when: string) => {
    capped = true;
    const msg = `timing.maxDuration (${formatDuration(maxMs, maxMs)}) reached ${when}`;
    journal.add('guardrail', msg);
    if (spec.guardrails.abortAtMaxDuration) c.stop('aborted', `guardrail: ${msg}`);
  };

  let cancelled = false;
  try {
    // Injection runs until it is done, the cap, a guardrail or an abort (which cancels this scope).
    const inTime = await condition(() => injected || observed, capAt - Date.parse(now()));
    if (!injected) {
      if (!inTime) capNote('while the fault was still being injected: injection stopped, restore follows');
      injectScope.cancel();
      await CancellationScope.nonCancellable(() => injecting);
    }
    if (injectError) throw injectError;
    const injection = s.injection;
    if (injection && !capped && !observed && !c.isAborted()) {
      // Only drills that ask for it call patched(): every other history replays as it was.
      if (spec.fault.includeNewNodes && patched('fault-new-nodes')) joining = faultJoiningNodes(s, c, injection);
      const t0 = Date.parse(injection.t0);
      const holdEnd = t0 + spec.timing.hold;
      const end = Math.min(holdEnd, capAt);
      const left = end - Date.parse(now());
      journal.enter('hold', `${Math.round(Math.max(0, left) / 1000)} s more with the fault in place (hold ${Math.round(spec.timing.hold / 1000)} s from T0)`);
      const early = left > 0 ? await condition(() => observed, left) : false;
      if (!early && holdEnd > capAt) capNote(`before the hold's end: the hold was cut to ${formatDuration(Math.max(0, capAt - t0))} after T0`);
    }
  } catch (err) {
    cancelled = isCancellation(err);
    throw err;
  } finally {
    // Restore must not start while the injection may still change a node.
    if (!injected) injectScope.cancel();
    await CancellationScope.nonCancellable(() => injecting);
    if (joining) {
      joining.scope.cancel();
      await CancellationScope.nonCancellable(() => joining?.done ?? Promise.resolve());
      recordJoined(s, journal);
    }
    observeScope.cancel();
    // Aborted: restore starts now, not when the probes' activity has noticed (runs recorded
    // before this waited for it first, and replay the same).
    if (cancelled && patched('restore-before-probes-stop')) s.probesStopping = observing;
    else await CancellationScope.nonCancellable(() => observing);
  }
  if (observeError) throw observeError;
  // A hold that ends while the probes' activity waits to be retried has no timeline to
  // return; without one nothing can be measured, so say exactly that.
  if (!s.hold) throw new Error('the probes were being retried when the hold ended: no timeline was recorded, so nothing could be measured');
  if (s.hold.stoppedBy?.kind === 'guardrail') {
    journal.add('guardrail', s.hold.stoppedBy.message);
    c.stop('aborted', `guardrail: ${s.hold.stoppedBy.message}`);
  }
}

/**
 * The inject-and-hold of runs started before `injectAndHold` (patch `hold-from-first-change`):
 * replays their histories command for command. Its budget counts from the workflow's start.
 */
export async function injectAndHoldV1(s: HoldState, c: HoldContext): Promise<void> {
  const { spec, a, journal, plan: p, baseline, runId, workflowId: wfId } = c;
  const context = spec.target.context;
  journal.enter('inject', `${spec.fault.mode} on ${p.targetNodes.length} node(s)`);
  s.injectAttempted = true;
  const observeScope = new CancellationScope();
  const budget = spec.timing.maxDuration - (Date.parse(now()) - Date.parse(journal.startedAt));
  const observing = observeScope.run(() => a.observe.observe({
    mode: 'hold', probes: spec.probes, durationMs: Math.max(0, budget), context,
    guardrails: {
      ...(spec.guardrails.probeFailingLongerThan !== undefined ? { probeFailingLongerThanMs: spec.guardrails.probeFailingLongerThan } : {}),
      ...(spec.guardrails.maxErrorBudget !== undefined ? { maxErrorBudget: spec.guardrails.maxErrorBudget } : {}),
    },
    capacity: { workloads: p.watched, targetNodes: p.targetNodes, intervalMs: 1000 },
    ...(baseline?.acked ? { priorAcked: baseline.acked } : {}),
  })).then((r) => { s.hold = r; }, (err: unknown) => { s.hold = partialObservation(err); if (!isCancellation(err)) throw err; });
  let observed = false;
  void observing.finally(() => { observed = true; });
  try {
    s.injection = await a.inject.injectFault({
      runId, workflowId: wfId, mode: spec.fault.mode, nodes: p.targetNodes,
      concurrency: spec.fault.concurrency, evictionTimeoutMs: spec.fault.evictionTimeout,
      ...(spec.fault.gracePeriod !== undefined ? { gracePeriodMs: spec.fault.gracePeriod } : {}),
      protectedNamespaces: spec.safety.protectedNamespaces, context,
    });
    const sinceT0 = Date.parse(now()) - Date.parse(s.injection.t0);
    const holdLeft = Math.max(0, Math.min(spec.timing.hold - sinceT0, budget - sinceT0));
    // An abort during inject goes straight to restore, without a hold.
    if (!c.isAborted()) journal.enter('hold', `${Math.round(holdLeft / 1000)} s more with the fault in place (hold ${Math.round(spec.timing.hold / 1000)} s from T0)`);
    if (spec.timing.hold - sinceT0 > budget - sinceT0) journal.add('guardrail', 'hold shortened to stay within timing.maxDuration');
    await condition(() => observed, holdLeft);
  } finally {
    observeScope.cancel();
    await CancellationScope.nonCancellable(() => observing.catch(() => undefined));
  }
  await observing;
  if (!s.hold) throw new Error('the probes were being retried when the hold ended: no timeline was recorded, so nothing could be measured');
  if (s.hold.stoppedBy?.kind === 'guardrail') {
    journal.add('guardrail', s.hold.stoppedBy.message);
    c.stop('aborted', `guardrail: ${s.hold.stoppedBy.message}`);
  }
}
