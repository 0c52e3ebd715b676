import { approverNames } from '../approvals/statement.js';
import { condition, ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { GAMEDAY_SCHEMA_VERSION, type GameDayDrillSummary, type GameDayResult } from '../report/gameday-result.js';
import { objectiveStatus, type DrillResult, type JournalEntry, type Outcome } from '../report/result.js';
import {
  abortSignal, approveSignal, drillSearchAttributes, gameDayStatusQuery, type AbortSignal, type DrillInput, type GameDayInput, type GameDayStatus,
} from './contract.js';
import { drillWorkflow } from './drill.js';
import { now } from './journal.js';

// A game day: one approval for the day, then each drill as a child drillWorkflow (approved by
// the day's approver), with pauses between them. An abort aborts the running drill (which
// restores) and skips the rest. Drills after one that was aborted, refused or errored are
// skipped too: the system is not in a state worth drilling further.

const reportActivities = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 3 } });

/** Who may approve the day: listed for the day and for every drill that lists approvers. */
export function approvalRefusal(input: Pick<GameDayInput, 'day' | 'drills'>, identity: string): string | undefined {
  const day = input.day.approval.approvers;
  if (day && !day.includes(identity)) return 'not listed in the game day\'s approval.approvers';
  const drill = input.drills.find((d) => { const names = approverNames(d.spec.approval); return names && !names.includes(identity); });
  return drill ? `not listed in approval.approvers of drill ${drill.spec.metadata.name}` : undefined;
}

export function summarise(file: string, r: DrillResult): GameDayDrillSummary {
  // Objectives not shown met: missed, or not observed well enough to judge.
  const missed = r.objectives.filter((o) => objectiveStatus(o) !== 'met').map((o) => `${o.type}${o.probe ? ` ${o.probe}` : ''}`);
  return {
    name: r.drill.name, file, workflowId: r.run.workflowId, outcome: r.outcome, outcomeReason: r.outcomeReason,
    objectives: { met: r.objectives.length - missed.length, total: r.objectives.length, missed },
    notFailedOver: r.notFailedOver.length, startedAt: r.run.startedAt, endedAt: r.run.endedAt,
  };
}

const SEVERITY: Outcome[] = ['passed', 'skipped', 'inconclusive', 'failed', 'refused', 'aborted', 'error'];

/** The day's outcome: the worst drill outcome, except that skipped drills do not count. Pure. */
export function dayOutcome(drills: readonly GameDayDrillSummary[]): { outcome: Outcome; reason: string } {
  const ran = drills.filter((d) => d.outcome !== 'skipped');
  if (!ran.length) return { outcome: 'skipped', reason: 'no drill ran' };
  const worst = ran.reduce((w, d) => (SEVERITY.indexOf(d.outcome) > SEVERITY.indexOf(w.outcome) ? d : w));
  const counts = SEVERITY.map((o) => [o, drills.filter((d) => d.outcome === o).length] as const).filter(([, n]) => n > 0);
  const tally = counts.map(([o, n]) => `${n} ${o}`).join(', ');
  return { outcome: worst.outcome, reason: worst.outcome === 'passed' ? `all ${ran.length} drill(s) passed` : `${tally}; worst: ${worst.name} ${worst.outcome} (${worst.outcomeReason})` };
}

export async function gameDayWorkflow(input: GameDayInput): Promise<GameDayResult> {
  const info = workflowInfo();
  const journal: JournalEntry[] = [];
  const add = (kind: JournalEntry['kind'], message: string, identity?: string) => journal.push({ at: now(), kind, message, ...(identity ? { identity } : {}) });
  const status: GameDayStatus = { kind: 'gameday', day: input.day.name, phase: 'starting', startedAt: now(), drills: [], journal };
  const refused: GameDayResult['approval']['refused'] = [];
  let approvedBy: string | undefined;
  let approvedAt: string | undefined;
  let aborted: AbortSignal | undefined;
  let child: ChildWorkflowHandle<typeof drillWorkflow> | undefined;

  const approve = (identity: string, how: string) => {
    const why = approvalRefusal(input, identity);
    if (why) {
      refused.push({ identity, at: now(), reason: why });
      add('warning', `approval refused: ${why}`, identity);
      return;
    }
    if (approvedBy) return;
    approvedBy = identity;
    approvedAt = now();
    status.approvedBy = identity;
    add('operator', how, identity);
  };
  if (input.approvedBy) approve(input.approvedBy, 'approved at start');
  setHandler(gameDayStatusQuery, () => status);
  setHandler(approveSignal, (s) => {
    // Without a day approval, a drill that needs its own approval gets it through the day.
    if (approvedBy === undefined && status.phase !== 'approval' && child) {
      void child.signal(approveSignal, s).catch(() => undefined);
      return;
    }
    approve(s.identity, 'approved');
  });
  setHandler(abortSignal, (sig) => {
    if (aborted) return;
    aborted = sig;
    status.aborted = sig;
    add('operator', `abort requested: ${sig.reason}`, sig.identity);
    if (child) void child.signal(abortSignal, sig).catch(() => undefined);
  });

  const summaries: GameDayDrillSummary[] = status.drills;
  const skipRest = (from: number, reason: string) => {
    for (const d of input.drills.slice(from)) {
      summaries.push({ name: d.spec.metadata.name, file: d.file, workflowId: null, outcome: 'skipped', outcomeReason: reason, objectives: { met: 0, total: d.spec.objectives.length, missed: [] }, notFailedOver: 0 });
    }
  };

  let dayOverride: { outcome: Outcome; reason: string } | undefined;
  if (input.day.approval.required && !approvedBy) {
    status.phase = 'approval';
    add('phase', `approval: waiting up to ${Math.round(input.day.approval.timeout / 1000)} s for an approve signal`);
    const ok = await condition(() => approvedBy !== undefined || aborted !== undefined, input.day.approval.timeout);
    if (!ok) dayOverride = { outcome: 'refused', reason: 'approval timed out: no drill ran' };
  }

  for (const [i, d] of input.drills.entries()) {
    if (dayOverride || aborted) {
      skipRest(i, aborted ? `skipped: the game day was aborted by ${aborted.identity}` : 'skipped: the game day was not approved');
      break;
    }
    const name = d.spec.metadata.name;
    const drillInput: DrillInput = {
      spec: d.spec, specSha256: d.specSha256, trigger: 'gameday', firedrillVersion: input.firedrillVersion,
      ...(approvedBy ? { approvedBy } : {}),
      ...(input.temporalUiUrl ? { temporalUiUrl: input.temporalUiUrl } : {}),
    };
    status.phase = 'drill';
    const workflowId = `${info.workflowId}-${i + 1}-${name}`;
    add('phase', `drill ${i + 1}/${input.drills.length}: ${name} (${workflowId})`);
    child = await startChild(drillWorkflow, {
      workflowId, taskQueue: info.taskQueue, args: [drillInput],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      typedSearchAttributes: drillSearchAttributes(d.spec),
    });
    status.current = { index: i, name, workflowId };
    // An abort that arrived while the child was being started reaches it now.
    if (aborted) void child.signal(abortSignal, aborted).catch(() => undefined);
    let summary: GameDayDrillSummary;
    try {
      summary = summarise(d.file, await child.result());
    } catch (err) {
      summary = { name, file: d.file, workflowId, outcome: 'error', outcomeReason: (err as Error).message, objectives: { met: 0, total: d.spec.objectives.length, missed: [] }, notFailedOver: 0 };
    }
    child = undefined;
    status.current = undefined;
    summaries.push(summary);
    add(summary.outcome === 'passed' ? 'info' : 'warning', `${name}: ${summary.outcome} (${summary.outcomeReason})`);
    const last = i === input.drills.length - 1;
    if (last) break;
    // A drill that ran to its end (met, missed or not judged) leaves the system fit for the next.
    if (summary.outcome !== 'passed' && summary.outcome !== 'failed' && summary.outcome !== 'inconclusive') {
      const by = status.aborted?.identity;
      skipRest(i + 1, by ? `skipped: the game day was aborted by ${by}` : `skipped: ${name} ended ${summary.outcome}`);
      break;
    }
    if (d.pauseAfterMs && !aborted) {
      status.phase = 'pause';
      add('phase', `pause: ${Math.round(d.pauseAfterMs / 1000)} s before the next drill`);
      await condition(() => aborted !== undefined, d.pauseAfterMs);
    }
  }

  status.phase = 'report';
  // status.aborted, not the local: TS cannot see the signal handler assign it.
  const stop = status.aborted;
  const verdict = stop
    ? { outcome: 'aborted' as const, reason: `aborted by ${stop.identity}: ${stop.reason}` }
    : dayOverride ?? dayOutcome(summaries);
  const result: GameDayResult = {
    schemaVersion: GAMEDAY_SCHEMA_VERSION,
    day: { name: input.day.name, owner: input.day.owner, ...(input.day.description ? { description: input.day.description } : {}), specSha256: input.day.sha256 },
    run: {
      workflowId: info.workflowId, runId: info.firstExecutionRunId, namespace: info.namespace,
      startedAt: status.startedAt, endedAt: now(), firedrillVersion: input.firedrillVersion,
      ...(input.temporalUiUrl ? { temporalUiUrl: `${input.temporalUiUrl}/namespaces/${info.namespace}/workflows/${encodeURIComponent(info.workflowId)}/${info.firstExecutionRunId}/history` } : {}),
    },
    approval: { required: input.day.approval.required, ...(approvedBy ? { approvedBy } : {}), ...(approvedAt ? { approvedAt } : {}), refused },
    outcome: verdict.outcome,
    outcomeReason: verdict.reason,
    drills: summaries,
    journal,
  };
  try {
    await reportActivities.writeGameDayReport({ result, ...(input.outDir ? { outDir: input.outDir } : {}) });
  } catch (err) {
    add('error', `game-day report could not be written: ${(err as Error).message}`);
  }
  status.phase = 'done';
  status.result = result;
  return result;
}
