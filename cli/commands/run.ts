import os from 'node:os';
import type { Command } from 'commander';
import { loadDrillFile, formatProblem } from '../../drills/load.js';
import type { DrillStatus } from '../../workflows/index.js';
import { connect, exitCodeFor, followDrill, startDrill, summaryLines } from '../drill-client.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { UsageError } from '../errors.js';

function identity(): string {
  return process.env.FIREDRILL_IDENTITY ?? `${os.userInfo().username}@${os.hostname()}`;
}

export function printEntry(e: DrillStatus['journal'][number], json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ event: 'journal', ...e })}\n`);
  else process.stdout.write(`${e.at.slice(11, 19)}  ${e.kind.padEnd(9)} ${e.message}${e.identity ? ` (${e.identity})` : ''}\n`);
}

export function registerRun(program: Command): void {
  program.command('run <drill>')
    .description('start a drill on the Temporal task queue (a `firedrill worker` must be running). Exit codes: 0 objectives met, 1 objectives missed, 2 aborted, refused or error')
    .option('--approve', 'approve the drill now, as the current user (FIREDRILL_IDENTITY or user@host)')
    .option('--follow', 'stay attached: print each phase and operator action until the drill ends, then the summary')
    .option('--json', 'machine-readable output (with --follow: one JSON event per line, then the result)')
    .action(async (file: string, opts: { approve?: boolean; follow?: boolean; json?: boolean }) => {
      const loaded = await loadDrillFile(file);
      if (!loaded.ok) {
        for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
        throw new UsageError(`${file} is not a valid drill (run \`firedrill validate ${file}\`)`);
      }
      const config = resolveConfig();
      const target = temporalTarget(config);
      const { client, close } = await connect(target);
      try {
        const handle = await startDrill(client, target, loaded.spec, loaded.sha256, opts.approve ? { approvedBy: identity() } : {});
        const started = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, taskQueue: target.taskQueue };
        if (!opts.follow) {
          process.stdout.write(opts.json ? `${JSON.stringify(started)}\n`
            : `started ${started.workflowId}\nfollow it:  firedrill status ${started.workflowId} --follow\n${loaded.spec.approval.required && !opts.approve ? `approve it: firedrill approve ${started.workflowId}\n` : ''}`);
          return;
        }
        if (!opts.json) process.stdout.write(`started ${started.workflowId}\n`);
        const result = await followDrill(handle, (e) => printEntry(e, Boolean(opts.json)));
        if (opts.json) process.stdout.write(`${JSON.stringify({ event: 'result', result })}\n`);
        else process.stdout.write(`\n${summaryLines(result).join('\n')}\n`);
        process.exitCode = exitCodeFor(result);
      } finally {
        await close();
      }
    });
}

export function registerControl(program: Command): void {
  program.command('status <run-id>')
    .description('show the phase, journal and (when finished) the outcome of a drill run, by workflow id')
    .option('--follow', 'keep printing journal entries until the run ends')
    .option('--json', 'print the status as JSON')
    .action(async (runId: string, opts: { follow?: boolean; json?: boolean }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        const handle = client.workflow.getHandle(runId);
        if (opts.follow) {
          const result = await followDrill(handle, (e) => printEntry(e, Boolean(opts.json)));
          if (opts.json) process.stdout.write(`${JSON.stringify({ event: 'result', result })}\n`);
          else process.stdout.write(`\n${summaryLines(result).join('\n')}\n`);
          process.exitCode = exitCodeFor(result);
          return;
        }
        const [desc, status] = await Promise.all([handle.describe(), handle.query<DrillStatus>('status')]);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ workflowStatus: desc.status.name, ...status }, null, 2)}\n`);
          return;
        }
        process.stdout.write(`run:   ${runId} (${desc.status.name})\nphase: ${status.phase}\n`);
        if (status.approvedBy) process.stdout.write(`approved by: ${status.approvedBy}\n`);
        for (const e of status.journal) printEntry(e, false);
        if (status.result) process.stdout.write(`\n${summaryLines(status.result).join('\n')}\n`);
      } finally {
        await close();
      }
    });

  program.command('approve <run-id>')
    .description('approve a drill that waits for approval; the identity is FIREDRILL_IDENTITY or user@host')
    .option('--as <identity>', 'approve as this identity')
    .action(async (runId: string, opts: { as?: string }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        await client.workflow.getHandle(runId).signal('approve', { identity: opts.as ?? identity() });
        process.stdout.write(`approval sent to ${runId} as ${opts.as ?? identity()}\n`);
      } finally {
        await close();
      }
    });

  program.command('abort <run-id>')
    .description('abort a running drill: it stops observing at once and restores every node it changed')
    .option('--reason <text>', 'why (recorded in the report)', 'aborted by operator')
    .option('--as <identity>', 'abort as this identity')
    .action(async (runId: string, opts: { reason: string; as?: string }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        await client.workflow.getHandle(runId).signal('abort', { identity: opts.as ?? identity(), reason: opts.reason });
        process.stdout.write(`abort sent to ${runId}; restore follows\n`);
      } finally {
        await close();
      }
    });
}
