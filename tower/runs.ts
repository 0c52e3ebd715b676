import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { DRILL_SA, TARGET_SA, WORKFLOW_NAMES } from '../workflows/contract.js';

// The runs of one task queue as Temporal's visibility store lists them: every running drill,
// game day and scheduled run, and the ones that closed recently. Names and targets come from
// the firedrill search attributes, so listing needs no call per run.

export type RunKind = 'drill' | 'gameday' | 'scheduled';

export interface RunRef {
  workflowId: string;
  runId: string;
  kind: RunKind;
  /** The drill's name (search attribute) or, for a game day, its workflow id. */
  name: string;
  target?: string;
  startedAt: string;
  closedAt?: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  status: string;
  parentWorkflowId?: string;
}

const KIND_OF: Record<string, RunKind> = {
  [WORKFLOW_NAMES.drill]: 'drill',
  [WORKFLOW_NAMES.gameDay]: 'gameday',
  [WORKFLOW_NAMES.scheduledDrill]: 'scheduled',
};

const TYPES = `WorkflowType IN ('${WORKFLOW_NAMES.drill}', '${WORKFLOW_NAMES.gameDay}', '${WORKFLOW_NAMES.scheduledDrill}')`;

/** A task queue name inside a visibility query's string literal (quotes cannot be escaped there). */
function literal(s: string): string {
  return s.replace(/'/g, '');
}

export function runningQuery(taskQueue: string): string {
  return `TaskQueue = '${literal(taskQueue)}' AND ExecutionStatus = 'Running' AND ${TYPES}`;
}

export function closedSinceQuery(taskQueue: string, since: Date): string {
  return `TaskQueue = '${literal(taskQueue)}' AND ExecutionStatus != 'Running' AND CloseTime > '${since.toISOString()}' AND ${TYPES}`;
}

export function refOf(w: Omit<WorkflowExecutionInfo, 'raw'>): RunRef {
  const kind = KIND_OF[w.type] ?? 'drill';
  const drill = w.typedSearchAttributes.get(DRILL_SA);
  const target = w.typedSearchAttributes.get(TARGET_SA);
  return {
    workflowId: w.workflowId,
    runId: w.runId,
    kind,
    name: drill ?? w.workflowId,
    ...(target ? { target } : {}),
    startedAt: w.startTime.toISOString(),
    ...(w.closeTime ? { closedAt: w.closeTime.toISOString() } : {}),
    status: w.status.name,
    ...(w.parentExecution?.workflowId ? { parentWorkflowId: w.parentExecution.workflowId } : {}),
  };
}

async function list(client: Client, query: string, limit: number): Promise<RunRef[]> {
  const out: RunRef[] = [];
  for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    out.push(refOf(w));
    if (out.length >= limit) break;
  }
  return out;
}

/** Running runs, oldest first (the longest-running drill leads). */
export async function listRunning(client: Client, taskQueue: string, limit = 100): Promise<RunRef[]> {
  const runs = await list(client, runningQuery(taskQueue), limit);
  return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.workflowId.localeCompare(b.workflowId));
}

/** Runs closed in the last `withinMs`, newest first. */
export async function listRecentlyClosed(client: Client, taskQueue: string, withinMs = 24 * 3_600_000, limit = 20, nowMs = Date.now()): Promise<RunRef[]> {
  const runs = await list(client, closedSinceQuery(taskQueue, new Date(nowMs - withinMs)), limit);
  return runs.sort((a, b) => (b.closedAt ?? '').localeCompare(a.closedAt ?? ''));
}
