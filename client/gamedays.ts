import { approverNames } from '../approvals/statement.js';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { GameDayLoad } from '../drills/gameday/load.js';
import { describeTarget } from '../drills/target-label.js';
import { gameDayWorkflowType, type GameDayInput } from '../workflows/contract.js';
import type { TemporalTarget } from './connection.js';
import { drillWorkflowId, openRunsOf } from './drills.js';
import { AlreadyRunningError, StartCollisionError } from './errors.js';
import { FIREDRILL_VERSION } from './version.js';

// Starting a game day: refused while any of its drills already runs on its target.

export async function startGameDay(
  client: Client,
  t: TemporalTarget,
  loaded: Extract<GameDayLoad, { ok: true }>,
  opts: { approvedBy?: string } = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof gameDayWorkflowType>> {
  for (const d of loaded.drills) {
    const open = await openRunsOf(client, d.spec);
    if (open.length) throw new AlreadyRunningError(d.spec.metadata.name, describeTarget(d.spec), open);
  }
  const { day } = loaded;
  const input: GameDayInput = {
    day: {
      name: day.metadata.name, owner: day.metadata.owner, sha256: loaded.sha256,
      ...(day.metadata.description ? { description: day.metadata.description } : {}),
      approval: { required: day.approval.required, timeout: day.approval.timeout, ...(day.approval.approvers ? { approvers: approverNames(day.approval) ?? [] } : {}) },
    },
    drills: loaded.drills.map((d) => ({ file: d.file, spec: d.spec, specSha256: d.sha256, ...(d.pauseAfterMs !== undefined ? { pauseAfterMs: d.pauseAfterMs } : {}) })),
    firedrillVersion: FIREDRILL_VERSION,
    ...(opts.approvedBy ? { approvedBy: opts.approvedBy } : {}),
    ...(t.uiUrl ? { temporalUiUrl: t.uiUrl } : {}),
  };
  try {
    return await client.workflow.start(gameDayWorkflowType, { taskQueue: t.taskQueue, workflowId: drillWorkflowId(day.metadata.name), args: [input] });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new StartCollisionError(day.metadata.name);
    throw err;
  }
}
