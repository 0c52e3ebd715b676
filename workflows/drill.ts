import {
  ActivityCancellationType, CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Activities, LeaseResult, ObserveResult, PreflightResult, RestoreResult } from '../activities/index.js';
import { approvalStatement, approverNames, keyedApprovers } from '../approvals/statement.js';
import type { DrillSpec } from '../drills/schema/index.js';
import { describeTarget } from '../drills/target-label.js';
import type { ApprovalRecord, DrillResult, Outcome } from '../report/result.js';
import { assembleResult, baselineVerdict } from './assemble.js';
import { failbackCapacity } from './capacity-basis.js';
import {
  abortSignal, approveSignal, deadlineRestoreSignal, statusQuery, type AbortSignal, type ApproveSignal, type DeadlineRestoreSignal, type DrillInput, type DrillStatus,
} from './contract.js';
import { blackoutMeeting } from './blackouts.js';
import { failureMessage } from './failure.js';
import { injectAndHold, injectAndHoldV1, type HoldState } from './hold.js';
import { Journal, now } from './journal.js';
import { judgedObjectives, type JudgedObjective } from './measure.js';

// The drill: preflight → approval → baseline → inject → hold → restore → failback → report.
// Restore runs in `finally` inside a non-cancellable scope, so what this run changed is put back
// on success, failure, guardrail, operator abort and workflow cancellation alike; a terminated
// run is left to the janitor, which finds the run's marks on the nodes.

const BASELINE_MIN_MS = 5_000;
/** The preflight lease covers the approval wait and baseline, with this to spare; injection renews it. */
const LEASE_MARGIN_MS = 5 * 60_000;

/** The baseline's longest observation: two stableFor and three intervals of the slowest probe. */
export function baselineWindowMs(spec: DrillSpec): number {
  return Math.max(BASELINE_MIN_MS, ...spec.probes.map((p) => 2 * p.tolerance.stableFor + 3 * p.interval));
}
/** The failback window of runs recorded before the failback objective. */
const FAILBACK_MAX_MS = 120_000;

/**
 * Failback watches until every probe is steady, at most the failback target plus the longest
 * stableFor and two intervals: long enough to judge a return exactly at the target.
 */
function failbackWindowMs(spec: DrillSpec): number {
  const target = judgedObjectives(spec.objectives as JudgedObjective[]).find((o) => o.type === 'failback')?.target ?? FAILBACK_MAX_MS;
  return target + Math.max(0, ...spec.probes.map((p) => p.tolerance.stableFor + 2 * p.interval));
}

function acts(spec: DrillSpec) {
  const evictionMs = spec.fault.evictionTimeout;
  return {
    // Preflight and the report heartbeat: a lost worker is noticed in seconds, not minutes.
    short: proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '10 seconds', retry: { maximumAttempts: 3 } }),
    notify: proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 2 } }),
    // Long and heartbeating: a lost worker is noticed within the heartbeat timeout and the
    // activity resumes on another worker from its last heartbeat.
    inject: proxyActivities<Activities>({
      startToCloseTimeout: evictionMs + 10 * 60_000,
      heartbeatTimeout: '15 seconds',
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { maximumAttempts: 10, nonRetryableErrorTypes: ['NodeHeld'] },
    }),
    observe: proxyActivities<Activities>({
      startToCloseTimeout: spec.timing.maxDuration + 5 * 60_000,
      heartbeatTimeout: '10 seconds',
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { maximumAttempts: 20, initialInterval: '1 second' },
    }),
    // Restore never gives up: an unreachable API server is waited out with capped backoff.
    restore: proxyActivities<Activities>({
      startToCloseTimeout: '2 minutes',
      heartbeatTimeout: '20 seconds',
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
    }),
  };
}

export async function drillWorkflow(input: DrillInput): Promise<DrillResult> {
  const { spec } = input;
  const a = acts(spec);
  const info = workflowInfo();
  const runId = info.firstExecutionRunId;
  const journal = new Journal();
  const context = spec.target.context;

  let approvedBy: string | undefined;
  let approvedAt: string | undefined;
  const refusedApprovals: DrillResult['approval']['refused'] = [];
  // Only identities the drill lists may approve, whether up front (`run --approve`) or by signal.
  const approve = (identity: string, how: string) => {
    const allowed = spec.approval.approvers;
    if (allowed && !allowed.includes(identity)) {
      refusedApprovals.push({ identity, at: now(), reason: 'not listed in approval.approvers' });
      journal.add('warning', `${how} refused: identity not listed in approval.approvers`, identity);
      return;
    }
    if (!approvedBy) {
      approvedBy = identity;
      approvedAt = now();
      journal.add('operator', how, identity);
    }
  };
  // Runs recorded before signed approvals and quorums replay the one-listed-identity rule.
  const quorumApprovals = patched('signed-approvals');
  const keyed = keyedApprovers(spec.approval);
  const listed = approverNames(spec.approval);
  const quorum = quorumApprovals ? spec.approval.quorum ?? 1 : 1;
  const accepted: ApprovalRecord[] = [];
  // Signals wait here until the approval phase: checking a signature is an activity.
  const pending: ApproveSignal[] = [];
  const statement = approvalStatement({ workflowId: info.workflowId, drill: spec.metadata.name, specSha256: input.specSha256, target: describeTarget(spec) });
  const refuse = (identity: string, reason: string, how: string) => {
    refusedApprovals.push({ identity, at: now(), reason });
    journal.add('warning', `${how} refused: ${reason === NOT_LISTED ? 'identity not listed in approval.approvers' : reason}`, identity);
  };
  const count = (rec: ApprovalRecord, how: string) => {
    if (accepted.some((x) => x.identity === rec.identity)) {
      journal.add('info', `${how} again: already counted`, rec.identity);
      return;
    }
    accepted.push(rec);
    journal.add('operator', `${how}${rec.verified ? ` (signature verified, ${rec.fingerprint})` : ''}${quorum > 1 ? `: ${accepted.length} of ${quorum}` : ''}`, rec.identity);
    if (accepted.length >= quorum && !approvedBy) {
      approvedBy = accepted.map((x) => x.identity).join(', ');
      approvedAt = now();
    }
  };
  const FOUR_EYES = 'four eyes: the person who started the run cannot approve it';
  const NOT_LISTED = 'not listed in approval.approvers';
  const consider = async (sig: ApproveSignal, how: string) => {
    if (keyed.length) {
      if (!sig.signature) return refuse(sig.identity, 'unsigned: this drill lists approvers with keys (firedrill approve --key)', how);
      const v = await a.short.verifyApproval({ statement, signature: sig.signature, approvers: keyed });
      if (!v.ok) return refuse(sig.identity, v.reason, how);
      if (input.startedBy && v.name === input.startedBy) return refuse(v.name, FOUR_EYES, how);
      return count({ identity: v.name, at: now(), verified: true, fingerprint: v.fingerprint, keyType: v.keyType, statement, signature: sig.signature }, how);
    }
    if (listed && !listed.includes(sig.identity)) return refuse(sig.identity, NOT_LISTED, how);
    if (listed && input.startedBy && sig.identity === input.startedBy) return refuse(sig.identity, FOUR_EYES, how);
    return count({ identity: sig.identity, at: now(), verified: false }, how);
  };
  let aborted: AbortSignal | undefined;
  let plan: PreflightResult | undefined;
  let baseline: ObserveResult | undefined;
  const held: HoldState = { injectAttempted: false };
  let v2 = false;
  let restore: RestoreResult | undefined;
  let restoreStartedAt: string | undefined;
  let restoreEndedAt: string | undefined;
  let failback: ObserveResult | undefined;
  let outcome: Outcome | undefined;
  let outcomeReason = '';
  let result: DrillResult | undefined;
  let leaseTaken = false;
  const work = new CancellationScope();

  if (input.approvedBy && !quorumApprovals) approve(input.approvedBy, 'approved at start');
  // A game day's approval was checked against every drill's list by the game day itself.
  else if (input.approvedBy && (keyed.length || (listed && input.trigger !== 'gameday'))) {
    refuse(input.approvedBy, 'an approval at start (run --approve) does not count when approval.approvers are listed', 'approved at start');
  } else if (input.approvedBy && listed && !listed.includes(input.approvedBy)) refuse(input.approvedBy, NOT_LISTED, 'approved at start');
  else if (input.approvedBy) count({ identity: input.approvedBy, at: now(), verified: false }, 'approved at start');
  setHandler(approveSignal, (sig) => {
    if (quorumApprovals) pending.push(sig);
    else approve(sig.identity, 'approved');
  });
  setHandler(abortSignal, (sig) => {
    if (aborted) return;
    aborted = sig;
    journal.add('operator', `abort requested: ${sig.reason}`, sig.identity);
    work.cancel();
  });
  // The dead-man switch fired: a janitor restored this run's nodes past their restore-by deadline.
  let deadlineRestore: DeadlineRestoreSignal | undefined;
  setHandler(deadlineRestoreSignal, (sig) => {
    if (deadlineRestore) return;
    deadlineRestore = sig;
    journal.add('guardrail', `restore-by deadline ${sig.restoreBy} passed: the janitor (${sig.janitorWorkflowId}) restored ${sig.nodes.length} node(s): ${sig.nodes.join(', ')}`);
    // Runs recorded before the signal existed never saw it; a live run stops at once.
    if (patched('deadline-restore-stops-run')) {
      stop('aborted', `restore-by deadline ${sig.restoreBy} passed; the janitor restored the nodes`);
      work.cancel();
    }
  });
  setHandler(statusQuery, (): DrillStatus => ({
    phase: journal.phase,
    startedAt: journal.startedAt,
    ...(approvedBy ? { approvedBy } : {}),
    ...(quorumApprovals ? {
      approval: {
        statement, quorum, signed: keyed.length > 0, ...(listed ? { approvers: listed } : {}),
        approvedBy: accepted.map((x) => x.identity), ...(input.startedBy ? { startedBy: input.startedBy } : {}),
      },
    } : {}),
    ...(aborted ? { aborted } : {}),
    t0: held.injection?.t0 ?? null,
    journal: journal.entries,
    probes: (failback ?? held.hold ?? baseline)?.probes ?? [],
    ...(result ? { result } : {}),
  }));

  const leaseInput = () => ({
    context, workflowId: info.workflowId, runId, drill: spec.metadata.name, target: spec.target, nodes: plan?.targetNodes ?? [],
  });

  const stop = (o: Outcome, reason: string) => {
    if (!outcome) {
      outcome = o;
      outcomeReason = reason;
    }
  };

  // A notification never decides a drill's fate.
  await a.notify.notify({ kind: 'start', drill: spec.metadata.name, text: `drill ${spec.metadata.name} started (${info.workflowId})`, urlFromEnv: spec.report.webhook?.urlFromEnv })
    .catch(() => undefined);

  try {
    await work.run(async () => {
      journal.enter('preflight');
      const p = plan = await a.short.preflight({ spec });
      if (!p.summary.verdict.allowed) {
        return stop('refused', `blast-radius guards refused the drill: ${p.summary.verdict.reasons.join('; ')}`);
      }
      // One drill per target at a time, however it was started. Runs recorded before the lease
      // replay without it.
      if (patched('target-lease')) {
        const wait = (spec.approval.required && !approvedBy ? spec.approval.timeout : 0) + baselineWindowMs(spec) + LEASE_MARGIN_MS;
        leaseTaken = true;
        const got = await a.short.acquireLease({ ...leaseInput(), durationMs: wait });
        if (!got.ok) {
          leaseTaken = false;
          return stop('refused', leaseRefusal(got));
        }
        journalLease(journal, got, 'taken');
      }

      if (spec.approval.required && !approvedBy) {
        journal.enter('approval', `waiting up to ${Math.round(spec.approval.timeout / 1000)} s for an approve signal`);
        if (!quorumApprovals) {
          const ok = await condition(() => approvedBy !== undefined, spec.approval.timeout);
          if (!ok) return stop('refused', 'approval timed out: nothing was changed');
        }
        const deadline = new Date().getTime() + spec.approval.timeout;
        while (!approvedBy) {
          if (!pending.length) {
            const left = deadline - new Date().getTime();
            if (left <= 0 || !(await condition(() => pending.length > 0, left))) {
              return stop('refused', `approval timed out${accepted.length ? ` with ${accepted.length} of ${quorum} approvals` : ''}: nothing was changed`);
            }
          }
          const sig = pending.shift();
          if (sig) await consider(sig, 'approved');
        }
      }

      journal.enter('baseline');
      const window = baselineWindowMs(spec);
      baseline = await a.observe.observe({ mode: 'baseline', probes: spec.probes, durationMs: window, stopWhenSteady: true, context });
      const steady = baselineVerdict(spec, baseline);
      if (!steady.ok) return stop('refused', `baseline not steady, nothing injected: ${steady.reasons.join('; ')}`);

      // A scheduled run that slipped (a late approval, a long baseline) must still not hold the
      // fault into a blackout window; runs recorded before the rule replay without the check.
      if (input.trigger === 'schedule' && patched('blackout-whole-run')) {
        const from = new Date().getTime();
        const blackout = blackoutMeeting(spec.schedule?.blackouts ?? [], from, from + spec.timing.maxDuration);
        if (blackout) {
          journal.add('info', `blackout ${blackout.name} (${blackout.start} to ${blackout.end}) would start before the fault could be over (timing.maxDuration from now): nothing was injected`);
          return stop('skipped', `skipped: blackout ${blackout.name} would start during the fault`);
        }
      }
      if (leaseTaken) {
        // Renewed just before the first change: a lease left by a dead run ends by its marks' restore-by.
        const renewed = await a.short.acquireLease({ ...leaseInput(), durationMs: spec.timing.maxDuration, forFault: true });
        if (!renewed.ok) return stop('refused', leaseRefusal(renewed));
        journalLease(journal, renewed, 'renewed for the fault');
      }

      // Runs recorded before the hold counted from the first change replay the old commands.
      v2 = patched('hold-from-first-change');
      await (v2 ? injectAndHold : injectAndHoldV1)(held, {
        spec, a, runId, workflowId: info.workflowId, plan: p, baseline, journal, isAborted: () => aborted !== undefined, stop,
      });
    });
  } catch (err) {
    if (aborted && isCancellation(err)) stop('aborted', `aborted by ${aborted.identity}: ${aborted.reason}`);
    else if (isCancellation(err)) stop('aborted', 'the workflow was cancelled');
    else {
      const message = failureMessage(err);
      journal.add('error', message);
      stop('error', message);
    }
  } finally {
    await CancellationScope.nonCancellable(async () => {
      if (held.injectAttempted) {
        journal.enter('restore');
        restoreStartedAt = now();
        // Its own record of what it changed (name, UID, prior state) backs the marks up; nodes the
        // janitor already restored at the deadline are no longer its to compare.
        const byJanitor = new Set(deadlineRestore?.nodes ?? []);
        const changed = (held.injection?.nodes ?? [])
          .filter((n) => n.actions.length > 0 && !n.gone && !byJanitor.has(n.name))
          .map((n) => ({ name: n.name, actions: n.actions, wasCordoned: n.wasCordoned, ...(n.uid ? { uid: n.uid } : {}) }));
        restore = await a.restore.restoreNodes({
          runId, context, changed, target: spec.target, ...(plan ? { planned: plan.targetNodes } : {}), ...(byJanitor.size ? { restoredByJanitor: [...byJanitor] } : {}),
        });
        restoreEndedAt = now();
        journalRestore(journal, held.injection, restore);
        // An aborted hold's probes may still be stopping: their timeline is needed from here on.
        if (held.probesStopping) await held.probesStopping;
        // Under a second of failing calls is noise; the exact figure is in the result either way.
        if (restore.blockedMs >= 1000) {
          const tries = (restore.attempt ?? 1) > 1 ? `, ${restore.attempt} attempts` : '';
          journal.add('warning', `restore was blocked for ${Math.round(restore.blockedMs / 1000)} s by API errors (${restore.apiRetries} API retries${tries})`);
        }
        journal.enter('failback');
        failback = await a.observe.observe({
          mode: 'failback', probes: spec.probes, durationMs: v2 ? failbackWindowMs(spec) : Math.min(FAILBACK_MAX_MS, spec.timing.maxDuration), stopWhenSteady: true, context,
          // A cluster drill without a standby: capacity must come back in the cluster itself.
          ...failbackCapacity(spec, plan),
        }).catch((err: unknown) => {
          journal.add('warning', `failback observation failed: ${(err as Error).message}`);
          return undefined;
        });
      }
      if (leaseTaken) {
        // After restore (and failback), whatever the outcome: the next drill of the target may start.
        const released = await a.short.releaseLease({ context, workflowId: info.workflowId, runId, target: spec.target })
          .catch((err: unknown) => {
            journal.add('warning', `the target lease could not be released (${(err as Error).message}); it expires on its own`);
            return undefined;
          });
        if (released?.released) journal.add('info', `lease ${released.lease} released`);
      }
      journal.enter('report');
      result = assembleResult({
        input, info: { workflowId: info.workflowId, runId, namespace: info.namespace },
        journal,
        approval: {
          approvedBy, approvedAt, refused: refusedApprovals,
          ...(quorumApprovals ? { quorum, approvals: accepted, ...(input.startedBy ? { startedBy: input.startedBy } : {}) } : {}),
        },
        plan, baseline, injection: held.injection, hold: held.hold, restore, restoreStartedAt, restoreEndedAt, failback,
        outcome, outcomeReason,
      });
      try {
        await a.short.writeReport({ result, formats: spec.report.formats, outDir: spec.report.outDir });
      } catch (err) {
        journal.add('error', `report could not be written: ${(err as Error).message}`);
      }
      const kind = result.outcome === 'aborted' ? 'abort' : 'finish';
      await a.notify.notify({ kind, drill: spec.metadata.name, text: `drill ${spec.metadata.name}: ${result.outcome} (${result.outcomeReason})`, urlFromEnv: spec.report.webhook?.urlFromEnv })
        .catch(() => undefined);
      journal.enter('done');
      journal.close();
    });
  }
  return result as DrillResult;
}

/** What restore found that others did, and nodes that came and went: journalled, so the report lists them. */
function journalRestore(journal: Journal, injection: HoldState['injection'], restore: RestoreResult): void {
  for (const n of injection?.nodes ?? []) if (n.gone) journal.add('warning', `node ${n.name} was deleted before the drill reached it: skipped`);
  if (injection?.stoppedAt) {
    const changed = injection.nodes.filter((n) => n.actions.length > 0).length;
    journal.add('info', `injection stopped at ${injection.stoppedAt}, when the cancellation reached it: ${changed} node(s) changed, nothing new sent after`);
  }
  for (const n of restore.nodes) {
    if (n.edited?.length) journal.add('warning', `node ${n.name}: its mark was edited by someone else (${n.edited.join('; ')})`);
    if (n.leftAsIs?.length) journal.add('info', `node ${n.name}: ${n.leftAsIs.join('; ')}`);
    if (/recreated/.test(n.note ?? '')) journal.add('warning', `node ${n.name}: ${n.note}`);
  }
  if (restore.newNodes?.length) {
    journal.add('warning', `${restore.newNodes.length} node(s) joined the target during the drill and were not faulted: ${restore.newNodes.join(', ')}`);
  }
}

/** Why a drill may not start: the run that holds an overlapping target, and its lease. */
function leaseRefusal(r: Extract<LeaseResult, { ok: false }>): string {
  const h = r.holder;
  const until = r.expiresAt ? ` until ${r.expiresAt}` : '';
  return `another drill holds an overlapping target: run ${h.runId} (workflow ${h.workflowId}${h.drill ? `, drill ${h.drill}` : ''}) holds lease ${r.lease}${until}; nothing was changed`;
}

function journalLease(journal: Journal, r: Extract<LeaseResult, { ok: true }>, how: string): void {
  const over = r.tookOver ? ` (taken over from run ${r.tookOver.runId}, ${r.tookOver.why === 'expired' ? 'whose lease had expired' : 'which is no longer open'})` : '';
  journal.add('info', `lease ${r.lease} ${how} until ${r.expiresAt}${over}`);
}
