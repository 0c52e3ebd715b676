import type { Client, ScheduleDescription } from '@temporalio/client';
import type { DrillResult, Outcome } from '../report/result.js';
import { ClientError } from './errors.js';
import { describeSchedule, existingSchedules, scheduleIdFor } from './schedule-sync.js';

// Reading and steering the schedules `schedule sync` made: every firedrill schedule with its
// next runs and last outcome, and the handle of one drill's schedule.

/** No schedule for the drill, or one firedrill does not manage. */
export class ScheduleNotOwnedError extends ClientError {}

export interface ScheduleListing {
  scheduleId: string;
  drill: string;
  catalog: string;
  paused: boolean;
  note?: string;
  cron?: string;
  timezone: string;
  nextRuns: string[];
  recentRuns: number;
  last?: { workflowId: string; startedAt: string; status: string; outcome?: Outcome; reason?: string };
}

/** The schedule's newest run: its status, and its outcome once it completed. */
export async function lastRun(client: Client, desc: ScheduleDescription): Promise<ScheduleListing['last']> {
  const last = desc.info.recentActions.at(-1);
  if (!last) return undefined;
  const workflowId = last.action.workflow.workflowId;
  const out: NonNullable<ScheduleListing['last']> = { workflowId, startedAt: last.takenAt.toISOString(), status: 'unknown' };
  try {
    const handle = client.workflow.getHandle(workflowId, last.action.workflow.firstExecutionRunId);
    const d = await handle.describe();
    out.status = d.status.name;
    if (d.status.name === 'COMPLETED') {
      const r = (await handle.result()) as DrillResult;
      out.outcome = r.outcome;
      out.reason = r.outcomeReason;
    }
  } catch {
    // Retention may have removed the run: the schedule still lists it.
  }
  return out;
}

export async function listSchedules(client: Client): Promise<ScheduleListing[]> {
  const found = await existingSchedules(client);
  const out: ScheduleListing[] = [];
  for (const { desc, existing } of found.filter((f) => f.existing.owned)) {
    const fp = (desc.action.memo?.firedrillSchedule as { fingerprint?: { cron?: string } } | undefined)?.fingerprint;
    out.push({
      scheduleId: existing.scheduleId,
      drill: existing.drill ?? existing.scheduleId,
      catalog: existing.catalog ?? '?',
      paused: existing.paused,
      ...(existing.note ? { note: existing.note } : {}),
      ...(fp?.cron ? { cron: fp.cron } : {}),
      timezone: desc.spec.timezone ?? 'UTC',
      nextRuns: desc.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      recentRuns: desc.info.recentActions.length,
      last: await lastRun(client, desc),
    });
  }
  return out;
}

/** A schedule firedrill manages for `drill`, with its handle; anything else is refused. */
export async function ownedHandle(client: Client, drill: string) {
  const id = scheduleIdFor(drill);
  const d = await describeSchedule(client, id);
  if (!d) throw new ScheduleNotOwnedError(`no schedule ${id}: is drill ${drill} scheduled? (\`firedrill schedule sync\` creates schedules from drill files)`);
  if (!d.existing.owned) throw new ScheduleNotOwnedError(`schedule ${id} is not managed by firedrill; not touching it`);
  return { handle: client.schedule.getHandle(id), ...d };
}
