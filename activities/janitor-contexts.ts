import type { Client } from '@temporalio/client';

// The schedules `schedule sync` creates: this id prefix, and a memo naming firedrill and the
// catalog (the task queue). Kept in step with client/schedule-sync.ts, which activities may not import.
const SCHEDULE_PREFIX = 'firedrill-drill-';

interface ScheduledArgs { spec?: { target?: { context?: string } } }

/**
 * The kube contexts of the synced catalog: the default one (null) first, then each context a
 * scheduled drill of this task queue names. `firedrill janitor --context X` sweeps any other.
 */
export async function catalogContexts(client: Client, taskQueue: string): Promise<Array<string | null>> {
  const out = new Set<string>();
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith(SCHEDULE_PREFIX)) continue;
    const desc = await client.schedule.getHandle(s.scheduleId).describe().catch(() => undefined);
    const memo = (desc?.memo ?? {}) as { managedBy?: string; catalog?: string };
    if (!desc || memo.managedBy !== 'firedrill' || memo.catalog !== taskQueue || desc.action.type !== 'startWorkflow') continue;
    const context = (desc.action.args as ScheduledArgs[] | undefined)?.[0]?.spec?.target?.context;
    if (context) out.add(context);
  }
  return [null, ...[...out].sort()];
}
