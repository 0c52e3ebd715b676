import {
  WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { DrillSpec } from '../drills/schema/index.js';
import { describeTarget } from '../drills/target-label.js';
import type { DrillResult } from '../report/result.js';
import {
  abortSignal, approveSignal, DRILL_PHASES, drillSearchAttributes, drillWorkflowType, openDrillRunsQuery, statusQuery,
  type DrillInput, type DrillPhase, type DrillStatus,
} from '../workflows/contract.js';
import type { TemporalTarget } from './connection.js';
import { AlreadyRunningError, RunNotFoundError, StartCollisionError } from './errors.js';
import { FIREDRILL_VERSION } from './version.js';

// The client side of a drill: start it (refusing a second concurrent run of the same drill on
// the same target), signal it, wait for its phases.

/** `<drill>-<UTC start time>`: readable, sortable, and unique per start. */
export function drillWorkflowId(name: string, at = new Date()): string {
  return `${name}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export async function openRunsOf(client: Client, spec: DrillSpec): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: openDrillRunsQuery(spec) })) ids.push(wf.workflowId);
  return ids;
}

export interface StartOptions {
  approvedBy?: string;
  /** Who starts the run: with listed approvers, they cannot be one of them. */
  startedBy?: string;
  trigger?: DrillInput['trigger'];
  /** Defaults to `<drill>-<UTC second>`. */
  workflowId?: string;
}

export async function startDrill(
  client: Client,
  t: Pick<TemporalTarget, 'taskQueue' | 'uiUrl'>,
  spec: DrillSpec,
  specSha256: string,
  opts: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof drillWorkflowType>> {
  const open = await openRunsOf(client, spec);
  if (open.length) throw new AlreadyRunningError(spec.metadata.name, describeTarget(spec), open);
  const input: DrillInput = {
    spec, specSha256, trigger: opts.trigger ?? 'manual', firedrillVersion: FIREDRILL_VERSION,
    ...(opts.approvedBy ? { approvedBy: opts.approvedBy } : {}),
    ...(opts.startedBy ? { startedBy: opts.startedBy } : {}),
    ...(t.uiUrl ? { temporalUiUrl: t.uiUrl } : {}),
  };
  try {
    return await client.workflow.start(drillWorkflowType, {
      taskQueue: t.taskQueue,
      workflowId: opts.workflowId ?? drillWorkflowId(spec.metadata.name),
      args: [input],
      typedSearchAttributes: drillSearchAttributes(spec),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new StartCollisionError(spec.metadata.name);
    throw err;
  }
}

/** Sends something to a run (drill, game day or scheduled run); an unknown id is a RunNotFoundError. */
async function signalRun(client: Client, workflowId: string, send: (h: WorkflowHandle) => Promise<void>): Promise<void> {
  try {
    await send(client.workflow.getHandle(workflowId));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(workflowId, client.options.namespace);
    throw err;
  }
}

/** `signature`: an armored SSH signature of the run's approval statement (its status query gives the statement). */
export function approveRun(client: Client, workflowId: string, identity: string, signature?: string): Promise<void> {
  return signalRun(client, workflowId, (h) => h.signal(approveSignal, { identity, ...(signature ? { signature } : {}) }));
}

/** What an approver of a running drill signs, from its status query; undefined for runs that take no signatures. */
export async function approvalStatementOf(client: Client, workflowId: string): Promise<NonNullable<DrillStatus['approval']> | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).query(statusQuery)).approval;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(workflowId, client.options.namespace);
    throw err;
  }
}

export function abortRun(client: Client, workflowId: string, identity: string, reason: string): Promise<void> {
  return signalRun(client, workflowId, (h) => h.signal(abortSignal, { identity, reason }));
}

/** Ends a run at once, without its `finally`: only for runs no worker will pick up. */
export function terminateRun(client: Client, workflowId: string, reason: string): Promise<void> {
  return signalRun(client, workflowId, async (h) => { await h.terminate(reason); });
}

/**
 * Follows a run until it ends, calling onEntry for each new journal entry, and returns the
 * result. Polls the status query: it works the same whether or not the terminal is a TTY.
 */
export async function followDrill(handle: WorkflowHandle, onEntry: (e: DrillStatus['journal'][number], s: DrillStatus) => void): Promise<DrillResult> {
  let seen = 0;
  const done = handle.result() as Promise<DrillResult>;
  let finished = false;
  void done.then(() => { finished = true; }, () => { finished = true; });
  while (!finished) {
    try {
      const s = await handle.query(statusQuery);
      for (const e of s.journal.slice(seen)) onEntry(e, s);
      seen = s.journal.length;
    } catch {
      // The run may be between workers; the next poll catches up.
    }
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  return done;
}

/**
 * Polls the status query until the run is in `phase`. Fails at once when the run has already
 * gone past it, and keeps polling through query errors (a run between workers cannot answer).
 */
export async function waitForPhase(handle: WorkflowHandle, phase: DrillPhase, timeoutMs = 90_000): Promise<DrillStatus> {
  const want = DRILL_PHASES.indexOf(phase);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const s = await handle.query(statusQuery);
      last = s.phase;
      if (s.phase === phase) return s;
      if (DRILL_PHASES.indexOf(s.phase) > want) {
        const why = s.result ? `${s.result.outcome}: ${s.result.outcomeReason}` : JSON.stringify(s.journal.slice(-3));
        throw new Error(`the run went past ${phase} (now ${s.phase}): ${why}`);
      }
    } catch (err) {
      if ((err as Error).message.startsWith('the run went past')) throw err;
      last = `query failed: ${(err as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for phase ${phase}; last: ${last}`);
}
