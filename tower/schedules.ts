import type { Client } from '@temporalio/client';
import { existingSchedules } from '../client/schedule-sync.js';
import { lastRun } from '../client/schedules.js';
import type { Outcome } from '../report/result.js';
import type { ScheduledDrillInput } from '../workflows/contract.js';

// The Schedules page's rows: every schedule `schedule sync` made for this task queue, with its
// next runs, pause, blackouts (from the drill spec the schedule starts) and its last run.

export interface ScheduleRow {
  scheduleId: string;
  drill: string;
  cron?: string;
  timezone: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  blackouts: Array<{ name: string; start: string; end: string }>;
  last?: { workflowId: string; startedAt: string; status: string; outcome?: Outcome; reason?: string };
}

export async function readSchedules(client: Client, taskQueue: string): Promise<ScheduleRow[]> {
  const found = (await existingSchedules(client)).filter((f) => f.existing.owned && f.existing.catalog === taskQueue);
  return Promise.all(found.map(async ({ desc, existing }): Promise<ScheduleRow> => {
    const action = desc.action as { args?: unknown[] };
    const input = action.args?.[0] as ScheduledDrillInput | undefined;
    const last = await lastRun(client, desc);
    return {
      scheduleId: existing.scheduleId,
      drill: existing.drill ?? existing.scheduleId,
      ...(existing.fingerprint?.cron ? { cron: existing.fingerprint.cron } : {}),
      timezone: desc.spec.timezone ?? 'UTC',
      paused: existing.paused,
      ...(existing.note ? { note: existing.note } : {}),
      nextRuns: desc.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      blackouts: input?.spec.schedule?.blackouts ?? [],
      ...(last ? { last } : {}),
    };
  }));
}
