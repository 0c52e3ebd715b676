import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { formatProblem } from '../../drills/positions.js';
import { connect } from '../../client/connection.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { EXIT } from '../errors.js';
import { TEMPORAL_ENV, withHelp } from '../help.js';
import { identity } from '../identity.js';
import { noWorkerWarning } from '../../client/workers.js';
import { CatalogError, syncSchedules, type SyncOutcome } from '../../client/schedule-sync.js';
import { listSchedules, ownedHandle } from '../../client/schedules.js';

// `firedrill schedule ...`: the quarterly drills of a catalog as Temporal Schedules.

async function withClient<T>(fn: (client: Client, target: ReturnType<typeof temporalTarget>) => Promise<T>): Promise<T> {
  const target = temporalTarget(resolveConfig());
  const { client, close } = await connect(target);
  try {
    return await fn(client, target);
  } finally {
    await close();
  }
}

export function syncLines(o: SyncOutcome): string[] {
  const verb = (a: string) => (o.dryRun ? `would ${a}` : a);
  const lines = o.changes.map((c) => `${verb(c.action).padEnd(14)} ${c.scheduleId}: ${c.reason}`);
  for (const n of o.notes) lines.push(`${'note'.padEnd(14)} ${n.scheduleId}: ${n.message}`);
  if (!o.changes.length) lines.push(`no changes: ${o.unchanged.length} schedule(s) already match ${o.dir} (task queue ${o.catalog})`);
  else lines.push(`${o.dryRun ? 'dry run: ' : ''}${o.changes.length} change(s), ${o.unchanged.length} unchanged (task queue ${o.catalog})`);
  return lines;
}

/** A date in the schedule's own zone, e.g. "2026-04-08 03:00 Asia/Seoul". */
function local(d: Date, tz = 'UTC'): string {
  const s = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return `${s} ${tz}`;
}

const SCHEDULE_EXITS: Array<[number, string]> = [[0, 'done'], [1, 'sync only: a drill file is invalid, nothing was synced'], [2, 'error: unknown drill, a schedule firedrill does not own, Temporal unreachable']];

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('quarterly drills as Temporal Schedules: sync them from drill files, list, pause, unpause, trigger');

  schedule.command('sync [dir]')
    .description('create, update and delete schedules so they match the `schedule` blocks of dir/*.yaml (default drills/) for this task queue; schedules firedrill does not own are never touched')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--json', 'machine-readable output')
    .action(async (dir: string | undefined, opts: { dryRun?: boolean; json?: boolean }) => {
      await withClient(async (client, target) => {
        let out: SyncOutcome;
        try {
          out = await syncSchedules(client, { dir: dir ?? 'drills', taskQueue: target.taskQueue, dryRun: Boolean(opts.dryRun), ...(target.uiUrl ? { uiUrl: target.uiUrl } : {}) });
        } catch (err) {
          if (!(err instanceof CatalogError)) throw err;
          for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
          process.stderr.write('firedrill: nothing was synced: fix the drill files first (`firedrill validate`)\n');
          process.exitCode = EXIT.invalid;
          return;
        }
        process.stdout.write(opts.json ? `${JSON.stringify(out, null, 2)}\n` : `${syncLines(out).join('\n')}\n`);
      });
    });

  schedule.command('list')
    .description('every firedrill schedule with its next runs, paused state and last result')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const rows = await listSchedules(client);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (!rows.length) process.stdout.write('no firedrill schedules (create them with `firedrill schedule sync`)\n');
        for (const r of rows) {
          process.stdout.write(`${r.drill}  ${r.paused ? `PAUSED (${r.note ?? 'no note'})` : 'active'}  "${r.cron ?? '?'}" ${r.timezone}  [${r.scheduleId}, task queue ${r.catalog}]\n`);
          process.stdout.write(`  next: ${r.nextRuns.length ? r.nextRuns.map((t) => local(new Date(t), r.timezone)).join(', ') : '-'}\n`);
          const l = r.last;
          process.stdout.write(`  last: ${l ? `${l.workflowId} ${l.outcome ? `${l.outcome.toUpperCase()}: ${l.reason ?? ''}` : l.status.toLowerCase()}` : 'never ran'}\n`);
        }
      });
    });

  schedule.command('pause <drill>')
    .description('pause the schedule of a drill (kept paused by `schedule sync` until unpaused)')
    .option('--reason <text>', 'why (shown by `schedule list`)')
    .action(async (drill: string, opts: { reason?: string }) => {
      await withClient(async (client) => {
        const { handle } = await ownedHandle(client, drill);
        await handle.pause(`paused by ${identity()}${opts.reason ? `: ${opts.reason}` : ''}`);
        process.stdout.write(`paused ${handle.scheduleId}\n`);
      });
    });

  schedule.command('unpause <drill>')
    .description('resume the schedule of a drill')
    .action(async (drill: string) => {
      await withClient(async (client) => {
        const { handle } = await ownedHandle(client, drill);
        await handle.unpause(`unpaused by ${identity()}`);
        process.stdout.write(`unpaused ${handle.scheduleId}\n`);
      });
    });

  schedule.command('trigger <drill>')
    .description('start a scheduled run of a drill now (blackouts and approval apply as for a scheduled run)')
    .option('--json', 'machine-readable output')
    .action(async (drill: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const { handle, desc } = await ownedHandle(client, drill);
        const before = desc.info.recentActions.at(-1)?.action.workflow.workflowId;
        await handle.trigger();
        // The schedule starts the run asynchronously: wait briefly to name it.
        let workflowId: string | undefined;
        for (let i = 0; i < 50 && !workflowId; i++) {
          const last = (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId;
          if (last && last !== before) workflowId = last;
          else await new Promise((r) => setTimeout(r, 200));
        }
        if (opts.json) process.stdout.write(`${JSON.stringify({ scheduleId: handle.scheduleId, workflowId: workflowId ?? null })}\n`);
        const warning = await noWorkerWarning(client, (desc.action as { taskQueue?: string }).taskQueue ?? '').catch(() => undefined);
        if (warning) process.stderr.write(`warning: ${warning}\n`);
        if (!opts.json) process.stdout.write(workflowId ? `triggered ${handle.scheduleId}: ${workflowId}\nfollow it:  firedrill status ${workflowId} --follow\n` : `triggered ${handle.scheduleId} (the run has not shown up yet: \`firedrill schedule list\`)\n`);
      });
    });
  for (const sub of schedule.commands) {
    withHelp(sub, {
      environment: [...TEMPORAL_ENV, ...(sub.name() === 'sync' ? ['FIREDRILL_TEMPORAL_UI'] : []), ...(['pause', 'unpause'].includes(sub.name()) ? ['FIREDRILL_IDENTITY'] : [])],
      exitCodes: SCHEDULE_EXITS,
      examples: [`firedrill schedule ${sub.name()}${sub.name() === 'sync' ? ' drills/ --dry-run' : sub.name() === 'list' ? ' --json' : ' quarterly-zone-rotation-zone-b'}`],
    });
  }
}
