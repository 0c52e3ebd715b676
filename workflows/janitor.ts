import { getExternalWorkflowHandle, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { deadlineRestoreSignal, type JanitorInput, type JanitorReport } from './contract.js';
import { decide, isRunId } from './janitor-rules.js';

// The dead man's switch: a drill that was terminated, whose worker pool vanished for good, or
// whose workflow is stuck (a replay that fails after a deploy) cannot run its own `finally`. The
// janitor restores, touching nothing else:
//   - marks past their restore-by deadline, whoever owns them and whether their run runs or not
//     (a run that still runs is told, and journals it);
//   - marks it owns (same Temporal namespace, task queue and cluster) whose run is no longer open;
// and reports, without acting on them, marks of other owners and marks that do not verify.

const lookup = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });
// A context that cannot be read (its API server down, the context gone) costs one retry, not five.
const scanning = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry: { maximumAttempts: 2 } });
const restore = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

export async function janitorWorkflow(input: JanitorInput = {}): Promise<JanitorReport> {
  // Runs recorded before owners and deadlines replay the old commands.
  if (!patched('janitor-owner-deadline')) return janitorV1(input);
  return janitorV2(input);
}

async function janitorV2(input: JanitorInput): Promise<JanitorReport> {
  const info = workflowInfo();
  const me = { namespace: info.namespace, taskQueue: info.taskQueue };
  const dryRun = Boolean(input.dryRun);
  const report: JanitorReport = {
    checkedRuns: 0, restored: [], leftToOpenRuns: [], otherOwners: [], problems: [], notes: [], contexts: [], contextErrors: [], dryRun,
  };
  // null: the worker's default context.
  const contexts: Array<string | null> = input.context !== undefined ? [input.context]
    : input.allContexts === false ? [null] : await lookup.janitorContexts();
  for (const context of contexts) {
    const where = context === null ? {} : { context };
    let scan: Awaited<ReturnType<Activities['scanMarks']>>;
    try {
      scan = await scanning.scanMarks(where);
    } catch (err) {
      report.contextErrors?.push({ context: context ?? '', error: (err as Error).message });
      continue;
    }
    report.contexts?.push(context ?? '');
    for (const p of scan.notes) report.notes?.push({ node: p.node, runId: p.runId, reason: p.reason, ...where });
    // Marks that do not verify are only reported, unless an operator names their run.
    const requested = input.runs ?? [];
    const forced = scan.problems.filter((p) => requested.includes(p.runId));
    for (const p of scan.problems) if (!requested.includes(p.runId)) report.problems?.push({ ...p, ...where });
    const runs = [...scan.runs];
    for (const p of forced) {
      const run = runs.find((r) => r.runId === p.runId);
      if (run) run.nodes.push(p.node);
      else runs.push({ runId: p.runId, workflowId: p.workflowId, nodes: [p.node] });
    }
    for (const run of runs) {
      report.checkedRuns++;
      const entry = { workflowId: run.workflowId, runId: run.runId, nodes: run.nodes, ...where };
      const d = decide(run, me, scan.cluster, new Date().getTime(), requested);
      if (d.act === 'other-owner') {
        if (run.owner) report.otherOwners?.push({ ...entry, owner: run.owner, ...(run.restoreBy ? { restoreBy: run.restoreBy } : {}) });
        continue;
      }
      let why: 'closed' | 'deadline' | 'requested';
      if (d.act === 'ask-if-open') {
        // Only for its own marks: "not found" in its own namespace means closed long ago.
        let open: boolean;
        try {
          open = await lookup.isRunOpen({ workflowId: run.workflowId, runId: run.runId });
        } catch (err) {
          // One run Temporal cannot answer about must not stop the sweep of the others.
          for (const node of run.nodes) report.problems?.push({ node, runId: run.runId, workflowId: run.workflowId, reason: `could not ask Temporal whether its run is open: ${(err as Error).message}`, ...where });
          continue;
        }
        if (open) {
          report.leftToOpenRuns.push(entry);
          continue;
        }
        why = 'closed';
      } else {
        why = d.why;
      }
      if (!dryRun) await restore.restoreNodes({ runId: run.runId, ...where, ...(why === 'requested' ? { trustMarks: true } : {}) });
      let signalled: boolean | undefined;
      if (why === 'deadline' && !dryRun && run.owner?.namespace === me.namespace && run.workflowId && isRunId(run.runId)) {
        // The run may still be alive (a long restore, a stuck task): it journals what happened.
        signalled = await getExternalWorkflowHandle(run.workflowId, run.runId)
          .signal(deadlineRestoreSignal, { janitorWorkflowId: info.workflowId, restoreBy: run.restoreBy ?? '', nodes: run.nodes, at: new Date().toISOString() })
          .then(() => true, () => false);
      }
      report.restored.push({ ...entry, why, ...(run.restoreBy ? { restoreBy: run.restoreBy } : {}), ...(signalled !== undefined ? { signalled } : {}) });
    }
  }
  return report;
}

/** The janitor of runs started before owners and deadlines (patch `janitor-owner-deadline`), as it was. */
async function janitorV1(input: JanitorInput): Promise<JanitorReport> {
  const runs = await lookup.listMarkedRuns({ context: input.context });
  const report: JanitorReport = { checkedRuns: runs.length, restored: [], leftToOpenRuns: [], dryRun: Boolean(input.dryRun) };
  for (const run of runs) {
    const entry = { workflowId: run.workflowId, runId: run.runId, nodes: run.nodes };
    if (run.workflowId && (await lookup.isRunOpen({ workflowId: run.workflowId, runId: run.runId }))) {
      report.leftToOpenRuns.push(entry);
      continue;
    }
    if (!input.dryRun) await restore.restoreNodes({ runId: run.runId, context: input.context });
    report.restored.push(entry);
  }
  return report;
}
