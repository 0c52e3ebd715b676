import { ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { DrillResult } from '../report/result.js';
import { assembleResult } from './assemble.js';
import {
  abortSignal, approveSignal, drillSearchAttributes, scheduledStatusQuery,
  type AbortSignal, type ApproveSignal, type DrillInput, type ScheduledDrillInput, type ScheduledStatus,
} from './contract.js';
import { drillWorkflow } from './drill.js';
import { Journal } from './journal.js';

// What a Temporal Schedule starts: the blackout check, then the drill as a child workflow. The
// drill itself is untouched (wrapped, not changed), so a scheduled run behaves exactly like a
// manual one, approval included: with nobody at the console it waits for an approve signal.

export interface Blackout { name: string; start: string; end: string }

/** The blackout window containing `at` (start inclusive, end exclusive), if any. Pure. */
export function activeBlackout(blackouts: readonly Blackout[], at: number): Blackout | undefined {
  return blackouts.find((b) => at >= Date.parse(b.start) && at < Date.parse(b.end));
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
  const blackout = activeBlackout(spec.schedule?.blackouts ?? [], new Date().getTime());
  if (blackout) {
    const journal = new Journal();
    const reason = `skipped: blackout ${blackout.name}`;
    journal.add('info', `${reason} (${blackout.start} to ${blackout.end}): nothing was changed`);
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
