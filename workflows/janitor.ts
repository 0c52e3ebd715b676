import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { JanitorInput, JanitorReport } from './contract.js';

// The dead man's switch: a drill that was terminated (or whose worker pool vanished for good)
// cannot run its own `finally`. The janitor finds nodes still marked by a run that is no longer
// running and restores them, touching nothing else.

const lookup = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });
const restore = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

export async function janitorWorkflow(input: JanitorInput = {}): Promise<JanitorReport> {
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
