import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { isGameDayFile, loadGameDayFile } from '../../drills/gameday/load.js';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import { connect } from '../../client/connection.js';
import { abortRun, approveRun, startDrill } from '../../client/drills.js';
import { startGameDay } from '../../client/gamedays.js';
import { anyStatusQuery } from '../../workflows/contract.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { UsageError } from '../errors.js';
import { followInTerminal, printEntry } from '../follow.js';
import { identity } from '../identity.js';
import { exitCodeFor, gameDayExitCode, gameDaySummaryLines, summaryLines } from '../summary.js';

/** Follows a run to its end and prints the summary; sets the exit code of the contract. */
async function followAndReport(client: Client, workflowId: string, json: boolean): Promise<void> {
  const out = await followInTerminal(client, workflowId, { json, identity: identity() });
  if (out.kind === 'detached') {
    if (!json) process.stdout.write(`detached from ${workflowId}; it keeps running (firedrill status ${workflowId} --follow)\n`);
    return;
  }
  if (json) process.stdout.write(`${JSON.stringify({ event: 'result', result: out.result })}\n`);
  else if (out.kind === 'gameday') process.stdout.write(`\n${gameDaySummaryLines(out.result).join('\n')}\n`);
  else process.stdout.write(`\n${summaryLines(out.result).join('\n')}\n`);
  process.exitCode = out.kind === 'gameday' ? gameDayExitCode(out.result) : exitCodeFor(out.result);
}

async function runGameDay(file: string, opts: { approve?: boolean; follow?: boolean; json?: boolean }): Promise<void> {
  const loaded = await loadGameDayFile(file);
  if (!loaded.ok) {
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    throw new UsageError(`${file} is not a valid game day`);
  }
  const target = temporalTarget(resolveConfig());
  const { client, close } = await connect(target);
  try {
    const handle = await startGameDay(client, target, loaded, opts.approve ? { approvedBy: identity() } : {});
    const started = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, taskQueue: target.taskQueue, drills: loaded.drills.map((d) => d.spec.metadata.name) };
    if (!opts.follow) {
      process.stdout.write(opts.json ? `${JSON.stringify(started)}\n`
        : `started game day ${started.workflowId}: ${started.drills.join(', ')}\nfollow it:  firedrill status ${started.workflowId} --follow\n${loaded.day.approval.required && !opts.approve ? `approve it: firedrill approve ${started.workflowId}\n` : ''}abort it:   firedrill abort ${started.workflowId}\n`);
      return;
    }
    if (!opts.json) process.stdout.write(`started game day ${started.workflowId}: ${started.drills.join(', ')}\n`);
    await followAndReport(client, handle.workflowId, Boolean(opts.json));
  } finally {
    await close();
  }
}

export function registerRun(program: Command): void {
  program.command('run <drill>')
    .description('start a drill, or a game day (a file of kind GameDay), on the Temporal task queue (a `firedrill worker` must be running). Exit codes: 0 objectives met, 1 objectives missed, 2 aborted, refused or error')
    .option('--approve', 'approve the drill now, as the current user (FIREDRILL_IDENTITY or user@host)')
    .option('--follow', 'stay attached: phases, probes, RTO clocks and restore live until the drill ends, then the summary (Ctrl-C: abort or detach)')
    .option('--json', 'machine-readable output (with --follow: one JSON event per line, then the result)')
    .action(async (file: string, opts: { approve?: boolean; follow?: boolean; json?: boolean }) => {
      if (await isGameDayFile(file)) {
        await runGameDay(file, opts);
        return;
      }
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
        await followAndReport(client, handle.workflowId, Boolean(opts.json));
      } finally {
        await close();
      }
    });
}

export function registerControl(program: Command): void {
  program.command('status <run-id>')
    .description('show the phase, journal and (when finished) the outcome of a drill run, scheduled run or game day, by workflow id')
    .option('--follow', 'stay attached: phases, probes, RTO clocks and restore live until the run ends (Ctrl-C: abort or detach)')
    .option('--json', 'print the status as JSON')
    .action(async (runId: string, opts: { follow?: boolean; json?: boolean }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        const handle = client.workflow.getHandle(runId);
        if (opts.follow) {
          await followAndReport(client, runId, Boolean(opts.json));
          return;
        }
        const [desc, any] = await Promise.all([handle.describe(), handle.query(anyStatusQuery)]);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ workflowStatus: desc.status.name, ...any }, null, 2)}\n`);
          return;
        }
        if ('kind' in any && any.kind === 'scheduled') {
          process.stdout.write(`run:   ${runId} (${desc.status.name}), scheduled run of ${any.drill}\nphase: ${any.phase}\n`);
          if (any.childWorkflowId) process.stdout.write(`drill: ${any.childWorkflowId} (firedrill status ${any.childWorkflowId})\n`);
          if (any.result) process.stdout.write(`\n${summaryLines(any.result).join('\n')}\n`);
          return;
        }
        if ('kind' in any && any.kind === 'gameday') {
          process.stdout.write(`run:   ${runId} (${desc.status.name}), game day ${any.day}\nphase: ${any.phase}${any.current ? ` (drill ${any.current.index + 1}: ${any.current.workflowId})` : ''}\n`);
          for (const e of any.journal) printEntry(e, false);
          if (any.result) process.stdout.write(`\n${gameDaySummaryLines(any.result).join('\n')}\n`);
          return;
        }
        const status = any;
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
        await approveRun(client, runId, opts.as ?? identity());
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
        await abortRun(client, runId, opts.as ?? identity(), opts.reason);
        process.stdout.write(`abort sent to ${runId}; restore follows\n`);
      } finally {
        await close();
      }
    });
}
