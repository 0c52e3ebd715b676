import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { isGameDayFile, loadGameDayFile } from '../../drills/gameday/load.js';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import { signStatement } from '../../approvals/sign.js';
import { connect } from '../../client/connection.js';
import { abortRun, approvalStatementOf, approveRun, startDrill, terminateRun } from '../../client/drills.js';
import { startGameDay } from '../../client/gamedays.js';
import { runStatus } from '../../client/status.js';
import { noWorkerWarning } from '../../client/workers.js';
import { runKey, type ReportStore } from '../../report/store.js';
import { reportStoreFromEnv } from '../../report/store-config.js';
import type { DrillResult } from '../../report/result.js';
import type { GameDayResult } from '../../report/gameday-result.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { UsageError } from '../errors.js';
import { followInTerminal, printEntry } from '../follow.js';
import { CONTROL_EXITS, REPORT_STORE_ENV, TEMPORAL_ENV, withHelp } from '../help.js';
import { identity } from '../identity.js';
import { exitCodeFor, gameDayExitCode, gameDaySummaryLines, summaryLines } from '../summary.js';

/** The report store the environment names; a malformed one is a usage error, not a stack trace. */
function configuredStore(): ReportStore {
  try {
    return reportStoreFromEnv();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Where to look next: the report folder the workers write to and the run in the Temporal UI. */
function whereLines(r: DrillResult): string[] {
  return [
    `report:  ${configuredStore().where(runKey(r))}/ (written by the worker, under the drill's report.outDir if it names one)`,
    ...(r.run.temporalUiUrl ? [`history: ${r.run.temporalUiUrl}`] : []),
  ];
}

/** Warns on stderr, within seconds, when nothing polls the task queue a run waits on. */
async function warnIfNoWorker(client: Client, taskQueue: string): Promise<void> {
  const warning = await noWorkerWarning(client, taskQueue).catch(() => undefined);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
}

/** Follows a run to its end and prints the summary; sets the exit code of the contract. */
async function followAndReport(client: Client, workflowId: string, json: boolean): Promise<void> {
  const out = await followInTerminal(client, workflowId, { json, identity: identity() });
  if (out.kind === 'detached') {
    if (!json) process.stdout.write(`detached from ${workflowId}; it keeps running (firedrill status ${workflowId} --follow)\n`);
    // Detaching leaves the run alone: exit now instead of waiting for the open long polls.
    process.exit(0);
  }
  if (json) process.stdout.write(`${JSON.stringify({ event: 'result', result: out.result })}\n`);
  else if (out.kind === 'gameday') process.stdout.write(`\n${gameDaySummaryLines(out.result).join('\n')}\n`);
  else {
    process.stdout.write(`\n${summaryLines(out.result).join('\n')}\n`);
    process.stdout.write(`${whereLines(out.result).join('\n')}\n`);
  }
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
    await warnIfNoWorker(client, target.taskQueue);
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
  const run = program.command('run <drill>')
    .description('start a drill, or a game day (a file of kind GameDay), on the Temporal task queue (a `firedrill worker` must be running)')
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
        const handle = await startDrill(client, target, loaded.spec, loaded.sha256, { startedBy: identity(), ...(opts.approve ? { approvedBy: identity() } : {}) });
        const started = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, taskQueue: target.taskQueue };
        await warnIfNoWorker(client, target.taskQueue);
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
  withHelp(run, {
    environment: [...TEMPORAL_ENV, 'FIREDRILL_TEMPORAL_UI', 'FIREDRILL_IDENTITY', ...REPORT_STORE_ENV, 'FIREDRILL_SIMULATOR_URL'],
    exitCodes: [
      [0, 'without --follow: started; with --follow: every objective met'],
      [1, 'with --follow: objectives missed or inconclusive'],
      [2, 'aborted, refused, error; invalid drill file, already running, Temporal unreachable'],
    ],
    examples: [
      'firedrill run drills/pangyo-zone-loss.yaml --follow',
      'firedrill run drills/gamedays/zone-rotation-gameday.yaml --approve',
    ],
  });
}

function printStatus(st: Awaited<ReturnType<typeof runStatus>>): void {
  const live = st.live;
  process.stdout.write(`run:   ${st.workflowId} (${st.workflowStatus}, ${st.workflowType})\n`);
  if (live && 'kind' in live && live.kind === 'scheduled') {
    process.stdout.write(`phase: ${live.phase}, scheduled run of ${live.drill}\n`);
    if (live.childWorkflowId) process.stdout.write(`drill: ${live.childWorkflowId} (firedrill status ${live.childWorkflowId})\n`);
  } else if (live && 'kind' in live && live.kind === 'gameday') {
    process.stdout.write(`phase: ${live.phase}, game day ${live.day}${live.current ? ` (drill ${live.current.index + 1}: ${live.current.workflowId})` : ''}\n`);
    for (const e of live.journal) printEntry(e, false);
  } else if (live) {
    process.stdout.write(`phase: ${live.phase}\n`);
    if (live.approvedBy) process.stdout.write(`approved by: ${live.approvedBy}\n`);
    for (const e of live.journal) printEntry(e, false);
  }
  if (st.note && !st.result) process.stdout.write(`note:  ${st.note}\n`);
  const r = st.result;
  if (!r) return;
  if ('day' in r) {
    process.stdout.write(`\n${gameDaySummaryLines(r as GameDayResult).join('\n')}\n`);
    return;
  }
  for (const e of r.journal) printEntry(e, false);
  process.stdout.write(`\n${summaryLines(r).join('\n')}\n${whereLines(r).join('\n')}\n`);
}

export function registerControl(program: Command): void {
  const status = program.command('status <run-id>')
    .description('show the phase, journal and (when finished) the outcome of a drill run, scheduled run or game day, by workflow id; a finished run needs no worker')
    .option('--follow', 'stay attached: phases, probes, RTO clocks and restore live until the run ends (Ctrl-C: abort or detach)')
    .option('--json', 'print the status as JSON')
    .action(async (runId: string, opts: { follow?: boolean; json?: boolean }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        if (opts.follow) {
          const st = await runStatus(client, runId, { reportDir: configuredStore() });
          if (st.workflowStatus === 'RUNNING') {
            await warnIfNoWorker(client, st.taskQueue);
            await followAndReport(client, runId, Boolean(opts.json));
            return;
          }
          // A closed run has nothing to follow: its final status is all there is.
          if (opts.json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
          else printStatus(st);
          return;
        }
        const st = await runStatus(client, runId, { reportDir: configuredStore() });
        if (opts.json) process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
        else printStatus(st);
      } finally {
        await close();
      }
    });
  withHelp(status, {
    environment: [...TEMPORAL_ENV, ...REPORT_STORE_ENV, 'FIREDRILL_IDENTITY'],
    exitCodes: [
      [0, 'the status was printed (with --follow: the run ended with every objective met, or you detached)'],
      [1, 'with --follow: objectives missed or inconclusive'],
      [2, 'unknown run id, Temporal unreachable; with --follow: aborted, refused or error'],
    ],
    examples: ['firedrill status pangyo-zone-loss-20261201T093000Z', 'firedrill status pangyo-zone-loss-20261201T093000Z --follow --json'],
  });

  const approve = program.command('approve <run-id>')
    .description('approve a drill or game day that waits for approval; the identity is FIREDRILL_IDENTITY or user@host')
    .option('--as <identity>', 'approve as this identity (unverified; drills that list keys need --key)')
    .option('--key <file>', 'sign the approval with this SSH key (a private key, or a .pub whose key ssh-agent holds)')
    .action(async (runId: string, opts: { as?: string; key?: string }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        const who = opts.as ?? identity();
        let signature: string | undefined;
        if (opts.key) {
          const a = await approvalStatementOf(client, runId);
          if (!a) throw new UsageError(`${runId} takes no signed approvals (a game day, or a run started before them)`);
          process.stdout.write(`signing for ${runId}:\n${a.statement.trimEnd().replace(/^/gm, '  ')}\n`);
          signature = await signStatement(opts.key, a.statement).catch((err: unknown) => { throw new UsageError((err as Error).message); });
        }
        await approveRun(client, runId, who, signature);
        process.stdout.write(`approval sent to ${runId} as ${who}${signature ? ' (signed; the worker checks the signature)' : ''}\n`);
        await warnIfNoWorker(client, target.taskQueue);
      } finally {
        await close();
      }
    });
  withHelp(approve, {
    environment: [...TEMPORAL_ENV, 'FIREDRILL_IDENTITY'],
    exitCodes: [[0, 'the approval was delivered (the drill decides whether your identity counts)'], ...CONTROL_EXITS.slice(1)],
    examples: [
      'firedrill approve pangyo-zone-loss-20261201T093000Z',
      'firedrill approve whole-cluster-power-loss-20261201T093000Z --key ~/.ssh/id_ed25519',
      'firedrill approve whole-cluster-power-loss-20261201T093000Z --key ~/.ssh/id_ed25519.pub   # the key in ssh-agent',
    ],
  });

  const abort = program.command('abort <run-id>')
    .description('abort a running drill: it stops injecting and observing at once and restores every node it changed')
    .option('--reason <text>', 'why (recorded in the report)', 'aborted by operator')
    .option('--as <identity>', 'abort as this identity')
    .option('--terminate', 'end a run that no worker will ever pick up, without restore (the janitor restores what it may have changed)')
    .action(async (runId: string, opts: { reason: string; as?: string; terminate?: boolean }) => {
      const target = temporalTarget(resolveConfig());
      const { client, close } = await connect(target);
      try {
        const who = opts.as ?? identity();
        if (opts.terminate) {
          await terminateRun(client, runId, `${opts.reason} (terminated by ${who})`);
          process.stdout.write(`terminated ${runId}; nothing restores in the run itself: \`firedrill janitor\` restores any node it left marked\n`);
          return;
        }
        await abortRun(client, runId, who, opts.reason);
        const warning = await noWorkerWarning(client, target.taskQueue).catch(() => undefined);
        if (warning) {
          process.stderr.write(`warning: ${warning}; the abort waits until one does (or end the run with \`firedrill abort ${runId} --terminate\`)\n`);
          return;
        }
        process.stdout.write(`abort sent to ${runId}; restore follows (firedrill status ${runId} --follow)\n`);
      } finally {
        await close();
      }
    });
  withHelp(abort, {
    environment: [...TEMPORAL_ENV, 'FIREDRILL_IDENTITY'],
    exitCodes: [[0, 'the abort (or termination) was delivered'], ...CONTROL_EXITS.slice(1)],
    examples: ['firedrill abort pangyo-zone-loss-20261201T093000Z --reason "payments latency alarm"', 'firedrill abort pangyo-zone-loss-20261201T093000Z --terminate'],
  });
}
