import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { GameDayResult } from '../report/gameday-result.js';
import type { DrillResult } from '../report/result.js';
import { readStoredResult, type StoreRef } from '../report/store.js';
import { anyStatusQuery, type DrillStatus, type GameDayStatus, type ScheduledStatus } from '../workflows/contract.js';
import { RunNotFoundError } from './errors.js';
import { workflowPollers } from './workers.js';

// A run's status by workflow id. A running run answers its status query (when a worker is there
// to answer); a closed one needs no worker at all: its result is in Temporal's history, or, for
// a run that ended without one (terminated), in the report store.

export type AnyStatus = DrillStatus | GameDayStatus | ScheduledStatus;

export interface RunStatus {
  workflowId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  workflowStatus: string;
  workflowType: string;
  taskQueue: string;
  /** The live status, for a running run whose worker answered. */
  live?: AnyStatus;
  /** The final result of a closed run, when one was recorded. */
  result?: DrillResult | GameDayResult;
  /** Where the result came from, or why there is none. */
  note?: string;
}

const QUERY_TIMEOUT_MS = 5_000;

export async function runStatus(client: Client, workflowId: string, opts: { reportDir?: StoreRef } = {}): Promise<RunStatus> {
  const handle = client.workflow.getHandle(workflowId);
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(workflowId, client.options.namespace);
    throw err;
  }
  const base = { workflowId, workflowStatus: desc.status.name, workflowType: desc.type, taskQueue: desc.taskQueue };
  if (desc.status.name === 'RUNNING') {
    const pollers = await workflowPollers(client, desc.taskQueue);
    if (!pollers.identities.length) return { ...base, note: `no worker is polling task queue ${desc.taskQueue}, so the run cannot answer; start one with \`firedrill worker\`` };
    const live = await Promise.race([
      handle.query(anyStatusQuery),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), QUERY_TIMEOUT_MS).unref()),
    ]).catch(() => undefined);
    return live ? { ...base, live } : { ...base, note: 'the run did not answer its status query (it may be between workers); try again' };
  }
  if (desc.status.name === 'COMPLETED') {
    return { ...base, result: (await handle.result()) as DrillResult | GameDayResult, note: 'from the workflow result' };
  }
  // An unreadable result is the same as none.
  const stored = await readStoredResult(opts.reportDir ?? 'reports', workflowId).catch(() => undefined);
  if (stored) return { ...base, result: stored.result, note: `from ${stored.file}` };
  return { ...base, note: `the run ended ${desc.status.name.toLowerCase()} without a result` };
}
