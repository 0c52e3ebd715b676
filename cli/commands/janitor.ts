import type { Command } from 'commander';
import { connect } from '../../client/connection.js';
import { NoWorkerError } from '../../client/errors.js';
import { workflowPollers } from '../../client/workers.js';
import { janitorWorkflowType } from '../../workflows/contract.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { TEMPORAL_ENV, withHelp } from '../help.js';

export function registerJanitor(program: Command): void {
  const janitor = program.command('janitor')
    .description('restore nodes still marked by drill runs that are no longer running (terminated runs); a worker must be running')
    .option('--dry-run', 'only list what would be restored')
    .option('--json', 'print the janitor report as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        // The janitor runs on a worker: without one this command would wait for ever.
        if (!(await workflowPollers(client, target.taskQueue)).identities.length) throw new NoWorkerError(target.taskQueue);
        const report = await client.workflow.execute(janitorWorkflowType, {
          taskQueue: target.taskQueue,
          workflowId: `firedrill-janitor-${Date.now()}`,
          args: [{ dryRun: Boolean(opts.dryRun) }],
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const verb = report.dryRun ? 'would restore' : 'restored';
        process.stdout.write(`checked ${report.checkedRuns} marked run(s)\n`);
        for (const r of report.restored) process.stdout.write(`${verb} ${r.nodes.length} node(s) of ${r.workflowId || r.runId}: ${r.nodes.join(', ')}\n`);
        for (const r of report.leftToOpenRuns) process.stdout.write(`left ${r.nodes.length} node(s) to the running drill ${r.workflowId}\n`);
      } finally {
        await close();
      }
    });
  withHelp(janitor, {
    environment: TEMPORAL_ENV,
    exitCodes: [[0, 'done (the report lists what was restored or left)'], [2, 'error: no worker polls the task queue, Temporal unreachable']],
    examples: ['firedrill janitor --dry-run', 'firedrill janitor --json'],
  });
}
