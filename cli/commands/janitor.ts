import type { Command } from 'commander';
import { connect } from '../../client/connection.js';
import { NoWorkerError } from '../../client/errors.js';
import { workflowPollers } from '../../client/workers.js';
import { janitorWorkflowType, type JanitorInput, type JanitorReport } from '../../workflows/contract.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { TEMPORAL_ENV, withHelp } from '../help.js';

export function registerJanitor(program: Command): void {
  const janitor = program.command('janitor')
    .description('restore nodes still marked by drill runs of this task queue that are no longer running, and any mark past its restore-by deadline; lists marks it leaves and why; a worker must be running')
    .option('--dry-run', 'only list what would be restored, and every mark left alone with the reason')
    .option('--context <name>', 'sweep only this kube context (default: the worker\'s default context)')
    .option('--all-contexts', 'sweep the default context and every context a drill of the synced catalog names (as the janitor schedule does)')
    .option('--run <run-id...>', 'restore the marks of these runs as they read, whoever owns them and even if they do not verify (after checking them)')
    .option('--json', 'print the janitor report as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean; context?: string; allContexts?: boolean; run?: string[] }) => {
      if (opts.context !== undefined && opts.allContexts) throw new Error('--context and --all-contexts exclude each other');
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        // The janitor runs on a worker: without one this command would wait for ever.
        if (!(await workflowPollers(client, target.taskQueue)).identities.length) throw new NoWorkerError(target.taskQueue);
        const input: JanitorInput = {
          dryRun: Boolean(opts.dryRun),
          ...(opts.context !== undefined ? { context: opts.context } : { allContexts: Boolean(opts.allContexts) }),
          ...(opts.run?.length ? { runs: opts.run } : {}),
        };
        const report = await client.workflow.execute(janitorWorkflowType, {
          taskQueue: target.taskQueue,
          workflowId: `firedrill-janitor-${Date.now()}`,
          args: [input],
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        process.stdout.write(janitorText(report));
      } finally {
        await close();
      }
    });
  withHelp(janitor, {
    environment: TEMPORAL_ENV,
    exitCodes: [[0, 'done (the report lists what was restored or left)'], [2, 'error: no worker polls the task queue, Temporal unreachable']],
    examples: ['firedrill janitor --dry-run', 'firedrill janitor --all-contexts', 'firedrill janitor --context prod-eu --dry-run', 'firedrill janitor --json'],
  });
}

const ctx = (c?: string) => (c ? ` [context ${c}]` : '');

/** The report as lines: what was restored and why, and every mark left alone with the reason. */
export function janitorText(report: JanitorReport): string {
  const lines: string[] = [];
  const verb = report.dryRun ? 'would restore' : 'restored';
  const swept = report.contexts?.map((c) => c || 'default');
  lines.push(`checked ${report.checkedRuns} marked run(s)${swept ? ` in ${swept.length} context(s): ${swept.join(', ')}` : ''}`);
  const because = { closed: 'its run is no longer running', deadline: 'past its restore-by deadline', requested: 'named with --run' } as const;
  for (const r of report.restored) {
    const why = r.why ? ` (${because[r.why]}${r.why === 'deadline' && r.restoreBy ? ` ${r.restoreBy}` : ''}${r.signalled ? '; the run was told' : ''})` : '';
    lines.push(`${verb} ${r.nodes.length} node(s) of ${r.workflowId || r.runId}${ctx(r.context)}: ${r.nodes.join(', ')}${why}`);
  }
  for (const r of report.leftToOpenRuns) lines.push(`left ${r.nodes.length} node(s) to the running drill ${r.workflowId}${ctx(r.context)}: ${r.nodes.join(', ')}`);
  for (const r of report.otherOwners ?? []) {
    lines.push(`left ${r.nodes.length} node(s) of ${r.workflowId || r.runId}${ctx(r.context)}: owned by namespace ${r.owner.namespace}, task queue ${r.owner.taskQueue}`
      + `${r.restoreBy ? `, restore-by ${r.restoreBy}` : ''}: ${r.nodes.join(', ')}`);
  }
  for (const p of report.problems ?? []) {
    lines.push(`left node ${p.node}${ctx(p.context)} (run ${p.runId || '?'}${p.workflowId ? `, workflow ${p.workflowId}` : ''}): ${p.reason}; check it, then restore it with --run ${p.runId || '<run id>'}`);
  }
  for (const n of report.notes ?? []) lines.push(`note: node ${n.node}${ctx(n.context)} (run ${n.runId}): ${n.reason}`);
  for (const e of report.contextErrors ?? []) lines.push(`could not sweep context ${e.context || 'default'}: ${e.error}`);
  return `${lines.join('\n')}\n`;
}
