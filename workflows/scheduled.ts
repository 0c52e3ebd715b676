import { ParentClosePolicy, patched, proxyActivities, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DrillResult } from '../report/result.js';
import { assembleResult } from './assemble.js';
import {
  abortSignal, approveSignal, drillSearchAttributes, scheduledStatusQuery,
  type AbortSignal, type ApproveSignal, type DrillInput, type ScheduledDrillInput, type ScheduledStatus,
} from './contract.js';
import type { DrillSpec } from '../drills/schema/index.js';
import { activeBlackout, blackoutMeeting, type Blackout } from './blackouts.js';
import { baselineWindowMs, drillWorkflow } from './drill.js';
import { Journal } from './journal.js';

// What a Temporal Schedule starts: the blackout check, then the drill as a child workflow. The
// drill itself is untouched (wrapped, not changed), so a scheduled run behaves exactly like a
// manual one, approval included: with nobody at the console it waits for an approve signal.
// A run is skipped inside a window, and also when a window starts before the fault could be
// over (the approval wait, baseline and maxDuration at their longest): it does not start rather
// than be cut short at the window's start, so nothing changes in a freeze and no drill reports
// a recovery it was not allowed to finish. The drill checks again just before it injects.

export { activeBlackout, type Blackout } from './blackouts.js';

/** Preflight and the calls between phases, on top of the approval wait, baseline and fault. */
const PRE_INJECT_MARGIN_MS = 60_000;

/**
 * The latest a run started at `at` could still be injecting or holding: every wait before the
 * fault at its longest, then timing.maxDuration (the fault's cap). Restore starts by then.
 */
export function latestFaultEnd(spec: DrillSpec, at: number): number {
  const approval = spec.approval.required ? spec.approval.timeout : 0;
  return at + approval + baselineWindowMs(spec) + PRE_INJECT_MARGIN_MS + spec.timing.maxDuration;
}

const report = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 3 } });

export async function scheduledDrillWorkflow(input: ScheduledDrillInput): Promise<DrillResult> {
  const { spec } = input;
  const info = workflowInfo();
  const status: ScheduledStatus = { kind: 'scheduled', drill: spec.metadata.name, phase: 'checking' };
  setHandler(scheduledStatusQuery, () => status);

  // Operators may signal the scheduled run instead of its child: pass the signals on.
  const running: { child?: ChildWorkflowHandle<typeof drillWorkflow> } = {};
  const early: Array<['approve', ApproveSignal] | ['abort', AbortSignal]> = [];
  const forward = (s: ['approve', ApproveSignal] | ['abort', AbortSignal]) => {
    const child = running.child;
    if (!child) { early.push(s); return; }
    const sent = s[0] === 'approve' ? child.signal(approveSignal, s[1]) : child.signal(abortSignal, s[1]);
    void sent.catch(() => undefined);
  };
  setHandler(approveSignal, (s) => forward(['approve', s]));
  setHandler(abortSignal, (s) => forward(['abort', s]));

  // Workflow time (deterministic), i.e. when the schedule started this run.
  const at = new Date().getTime();
  const blackouts = spec.schedule?.blackouts ?? [];
  let blackout: Blackout | undefined = activeBlackout(blackouts, at);
  let why = '';
  // Runs recorded before the whole-run rule replay the check of the start time alone.
  if (!blackout && patched('blackout-whole-run')) {
    const until = latestFaultEnd(spec, at);
    blackout = blackoutMeeting(blackouts, at, until);
    if (blackout) why = `it starts before the fault could be over (by ${new Date(until).toISOString()}: approval wait, baseline and timing.maxDuration at their longest)`;
  }
  if (blackout) {
    const journal = new Journal();
    const reason = `skipped: blackout ${blackout.name}${why ? ' would start during the fault' : ''}`;
    journal.add('info', `${reason} (${blackout.start} to ${blackout.end})${why ? `: ${why}` : ''}: nothing was changed`);
    journal.enter('report');
    const result = assembleResult({
      input: { spec, specSha256: input.specSha256, trigger: 'schedule', firedrillVersion: input.firedrillVersion, ...(input.temporalUiUrl ? { temporalUiUrl: input.temporalUiUrl } : {}) },
      info: { workflowId: info.workflowId, runId: info.firstExecutionRunId, namespace: info.namespace },
      journal, approval: { refused: [] }, outcome: 'skipped', outcomeReason: reason,
    });
    try {
      await report.writeReport({ result, formats: spec.report.formats, outDir: spec.report.outDir });
    } catch (err) {
      result.journal.push({ at: new Date().toISOString(), kind: 'error', message: `report could not be written: ${(err as Error).message}` });
    }
    status.phase = 'skipped';
    status.result = result;
    return result;
  }

  const drillInput: DrillInput = {
    spec, specSha256: input.specSha256, trigger: 'schedule', firedrillVersion: input.firedrillVersion,
    ...(input.temporalUiUrl ? { temporalUiUrl: input.temporalUiUrl } : {}),
  };
  const started = await startChild(drillWorkflow, {
    workflowId: `${info.workflowId}-drill`,
    taskQueue: info.taskQueue,
    args: [drillInput],
    // Closing the parent asks the drill to cancel, and a cancelled drill restores.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    typedSearchAttributes: drillSearchAttributes(spec),
  });
  running.child = started;
  status.phase = 'running';
  status.childWorkflowId = started.workflowId;
  for (const s of early.splice(0)) forward(s);
  const result = await started.result();
  status.phase = 'done';
  status.result = result;
  return result;
}
