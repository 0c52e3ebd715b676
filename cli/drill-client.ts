import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { DrillSpec } from '../drills/schema/index.js';
import type { DrillResult } from '../report/result.js';
import type { DrillInput, DrillStatus } from '../workflows/index.js';
import { describeTarget } from '../workflows/assemble.js';
import { UsageError } from './errors.js';
import { FIREDRILL_VERSION } from './version.js';

// The client side of a drill: start it (refusing a second concurrent run of the same drill on
// the same target), follow it, signal it.

export const DRILL_SA = defineSearchAttributeKey('FiredrillDrill', SearchAttributeType.KEYWORD);
export const TARGET_SA = defineSearchAttributeKey('FiredrillTarget', SearchAttributeType.KEYWORD);

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
}

export async function connect(t: TemporalTarget): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: t.address, connectTimeout: 5000 });
  return { client: new Client({ connection, namespace: t.namespace }), close: () => connection.close() };
}

/** `<drill>-<UTC start time>`: readable, sortable, and unique per start. */
export function drillWorkflowId(name: string, at = new Date()): string {
  return `${name}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export async function openRunsOf(client: Client, spec: DrillSpec): Promise<string[]> {
  const query = `WorkflowType = 'drillWorkflow' AND ExecutionStatus = 'Running' AND FiredrillDrill = '${spec.metadata.name}' AND FiredrillTarget = '${describeTarget(spec).replace(/'/g, '')}'`;
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

export async function startDrill(
  client: Client,
  t: TemporalTarget,
  spec: DrillSpec,
  specSha256: string,
  opts: { approvedBy?: string; trigger?: DrillInput['trigger'] } = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const open = await openRunsOf(client, spec);
  if (open.length) {
    throw new UsageError(`drill ${spec.metadata.name} is already running on ${describeTarget(spec)} (${open.join(', ')}); abort it or wait for it to finish`);
  }
  const input: DrillInput = {
    spec, specSha256, trigger: opts.trigger ?? 'manual', firedrillVersion: FIREDRILL_VERSION,
    ...(opts.approvedBy ? { approvedBy: opts.approvedBy } : {}),
    ...(t.uiUrl ? { temporalUiUrl: t.uiUrl } : {}),
  };
  try {
    return await client.workflow.start('drillWorkflow', {
      taskQueue: t.taskQueue,
      workflowId: drillWorkflowId(spec.metadata.name),
      args: [input],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: DRILL_SA, value: spec.metadata.name },
        { key: TARGET_SA, value: describeTarget(spec).replace(/'/g, '') },
      ]),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new UsageError(`a run of ${spec.metadata.name} started this same second; try again`);
    throw err;
  }
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
      const s = await handle.query<DrillStatus>('status');
      for (const e of s.journal.slice(seen)) onEntry(e, s);
      seen = s.journal.length;
    } catch {
      // The run may be between workers; the next poll catches up.
    }
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  }
  return done;
}

/** Contract: 0 objectives met, 1 objectives missed, 2 aborted or error (refused counts as not run). */
export function exitCodeFor(result: DrillResult): number {
  if (result.outcome === 'passed') return 0;
  if (result.outcome === 'failed') return 1;
  return 2;
}

export function summaryLines(r: DrillResult): string[] {
  const fmt = (o: DrillResult['objectives'][number]) => {
    if (o.unit === 'fraction') return `${(Number(o.measured) * 100).toFixed(1)}% (max ${(o.target * 100).toFixed(0)}%)`;
    const res = o.resolutionMs ? ` ±${o.resolutionMs / 1000}s` : '';
    if (o.note === 'no impact') return `no impact (target ${o.target / 1000}s)`;
    return o.measured === null ? `BREACH: ${o.note ?? 'not measured'} (target ${o.target / 1000}s)` : `${(o.measured / 1000).toFixed(1)}s${res} (target ${o.target / 1000}s)`;
  };
  return [
    `drill:   ${r.drill.name} on ${r.drill.target} (${r.drill.fault})`,
    `run:     ${r.run.workflowId}`,
    `outcome: ${r.outcome.toUpperCase()}: ${r.outcomeReason}`,
    ...r.objectives.map((o) => `  ${o.met ? 'PASS' : 'FAIL'}  ${o.type}${o.probe ? ` ${o.probe}` : ''}: ${fmt(o)}`),
    ...(r.notFailedOver.length ? ['did not fail over:', ...r.notFailedOver.map((n) => `  - ${n.kind} ${n.name}: ${n.reason}`)] : []),
    ...(r.injection?.notEvicted.length ? [`not evicted: ${r.injection.notEvicted.map((n) => `${n.namespace}/${n.pod} (${n.reason})`).join('; ')}`] : []),
    ...(r.restore ? [`restore: ${r.restore.nodes.filter((n) => n.restored).length}/${r.restore.nodes.length} node(s) restored`] : []),
  ];
}

/** The drill's phases in order, as the status query reports them. */
const PHASES = ['starting', 'preflight', 'approval', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done'];

/**
 * Polls the status query until the run is in `phase`. Fails at once when the run has already
 * gone past it, and keeps polling through query errors (a run between workers cannot answer).
 */
export async function waitForPhase(handle: WorkflowHandle, phase: string, timeoutMs = 90_000): Promise<DrillStatus> {
  const want = PHASES.indexOf(phase);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const s = await handle.query<DrillStatus>('status');
      last = s.phase;
      if (s.phase === phase) return s;
      if (PHASES.indexOf(s.phase) > want) throw new Error(`the run went past ${phase} (now ${s.phase}): ${JSON.stringify(s.journal.at(-1))}`);
    } catch (err) {
      if ((err as Error).message.startsWith('the run went past')) throw err;
      last = `query failed: ${(err as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for phase ${phase}; last: ${last}`);
}
