import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { GameDayLoad } from '../drills/gameday/load.js';
import type { GameDayInput, GameDayResult } from '../workflows/index.js';
import { drillWorkflowId, openRunsOf, type TemporalTarget } from './drill-client.js';
import { UsageError } from './errors.js';
import { FIREDRILL_VERSION } from './version.js';

// Starting a game day: refused while any of its drills already runs on its target.

export async function startGameDay(
  client: Client,
  t: TemporalTarget,
  loaded: Extract<GameDayLoad, { ok: true }>,
  opts: { approvedBy?: string } = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  for (const d of loaded.drills) {
    const open = await openRunsOf(client, d.spec);
    if (open.length) throw new UsageError(`drill ${d.spec.metadata.name} of this game day is already running (${open.join(', ')}); abort it or wait for it to finish`);
  }
  const { day } = loaded;
  const input: GameDayInput = {
    day: {
      name: day.metadata.name, owner: day.metadata.owner, sha256: loaded.sha256,
      ...(day.metadata.description ? { description: day.metadata.description } : {}),
      approval: { required: day.approval.required, timeout: day.approval.timeout, ...(day.approval.approvers ? { approvers: day.approval.approvers } : {}) },
    },
    drills: loaded.drills.map((d) => ({ file: d.file, spec: d.spec, specSha256: d.sha256, ...(d.pauseAfterMs !== undefined ? { pauseAfterMs: d.pauseAfterMs } : {}) })),
    firedrillVersion: FIREDRILL_VERSION,
    ...(opts.approvedBy ? { approvedBy: opts.approvedBy } : {}),
    ...(t.uiUrl ? { temporalUiUrl: t.uiUrl } : {}),
  };
  try {
    return await client.workflow.start('gameDayWorkflow', { taskQueue: t.taskQueue, workflowId: drillWorkflowId(day.metadata.name), args: [input] });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new UsageError(`game day ${day.metadata.name} started this same second; try again`);
    throw err;
  }
}

/** Same contract as a drill: 0 all objectives met, 1 some missed, 2 aborted, refused, skipped or error. */
export function gameDayExitCode(r: GameDayResult): number {
  if (r.outcome === 'passed') return 0;
  if (r.outcome === 'failed') return 1;
  return 2;
}
