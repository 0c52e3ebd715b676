import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { DrillResult, ProbeSegment } from '../report/result.js';
import {
  anyStatusQuery, gameDayStatusQuery, scheduledStatusQuery, statusQuery,
  type DrillInput, type DrillStatus, type GameDayResult, type GameDayStatus, type ScheduledStatus,
} from '../workflows/contract.js';
import { drillView, viewEvents, type DrillView, type FollowEvent, type ObserveCheckpoint, type Pending } from './follow-view.js';

// Following a run: polls its status query and decodes the running activity's heartbeat (what
// the probes see *now*), and hands every change to a sink that shows it. The sink (a terminal,
// a log, JSON lines, a web page) owns the output and whether the user detached.

export interface FollowSink {
  emit(e: FollowEvent): void;
  showView(v: DrillView): void;
  /** Waits one poll interval, or less when the run ends or the user detaches. */
  pause(done: Promise<unknown>): Promise<void>;
  readonly detached: boolean;
}

export type FollowOutcome =
  | { kind: 'drill'; result: DrillResult }
  | { kind: 'gameday'; result: GameDayResult }
  | { kind: 'detached'; workflowId: string };

/** Payloads as the client's data converter decodes them (codecs first, then the converter). */
export async function decodePayloads(client: Client, payloads: Payload[] | null | undefined): Promise<unknown[]> {
  if (!payloads?.length) return [];
  const dc = client.options.loadedDataConverter;
  let ps = payloads;
  for (const codec of [...dc.payloadCodecs].reverse()) ps = await codec.decode(ps);
  return ps.map((p) => dc.payloadConverter.fromPayload(p));
}

async function queryStatus<T>(query: () => Promise<T>): Promise<T | undefined> {
  try {
    return await query();
  } catch {
    // Between workers, or not yet picked up: the next poll catches up.
    return undefined;
  }
}

/** Stable sort by time: events of one poll, oldest first. */
export function inTimeOrder(events: FollowEvent[]): FollowEvent[] {
  return events.map((e, i) => ({ e, i, t: Date.parse(e.at) })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.e);
}

export async function startInput(client: Client, workflowId: string): Promise<DrillInput | undefined> {
  try {
    const h = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, maximumPageSize: 1 });
    const started = h.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    const [input] = await decodePayloads(client, started?.input?.payloads as Payload[] | undefined);
    return input as DrillInput | undefined;
  } catch {
    return undefined;
  }
}

export async function pendingOf(client: Client, handle: WorkflowHandle): Promise<Pending> {
  const out: Pending = {};
  try {
    const d = await handle.describe();
    for (const a of d.raw.pendingActivities ?? []) {
      const [detail] = await decodePayloads(client, a.heartbeatDetails?.payloads as Payload[] | undefined);
      if (!detail) continue;
      const type = a.activityType?.name;
      if (type === 'observe') out.observe = detail as ObserveCheckpoint;
      else if (type === 'restoreNodes') out.restore = detail as Pending['restore'];
      else if (type === 'injectFault') out.inject = detail as Pending['inject'];
    }
  } catch {
    // The panel just misses one update.
  }
  return out;
}

async function followOneDrill(client: Client, session: FollowSink, workflowId: string): Promise<DrillResult | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const done = handle.result() as Promise<DrillResult>;
  let finished = false;
  void done.then(() => { finished = true; }, () => { finished = true; });
  const spec = (await startInput(client, workflowId))?.spec;
  const hold = new Map<string, ProbeSegment[]>();
  let seen = 0;
  let view: DrillView | undefined;
  let restored: { done: number; total: number } | undefined;
  const tick = async () => {
    const [s, pending] = await Promise.all([queryStatus(() => handle.query(statusQuery)), pendingOf(client, handle)]);
    if (!s) return;
    const at = new Date().toISOString();
    const next = drillView(workflowId, s, pending, spec, hold, Date.now());
    // Between phases no probe reports: keep the last known state instead of "no data".
    next.probes = next.probes.map((p) => {
      const before = view?.probes.find((x) => x.name === p.name);
      return p.healthy === null && before ? { ...p, healthy: before.healthy, ...(before.since ? { since: before.since } : {}) } : p;
    });
    // Everything new since the last poll, in time order (a probe that failed before the journal's
    // phase line was written is printed before it); ties keep the journal first.
    const batch: FollowEvent[] = [];
    for (const e of s.journal.slice(seen)) {
      batch.push({ event: 'journal', workflowId, ...e });
      if (e.kind === 'phase') batch.push({ event: 'phase', workflowId, phase: e.message.split(':')[0] ?? e.message, at: e.at });
    }
    seen = s.journal.length;
    batch.push(...viewEvents(view, next, at));
    for (const e of inTimeOrder(batch)) session.emit(e);
    if (next.restore) restored = next.restore;
    view = next;
    session.showView(next);
  };
  while (!finished && !session.detached) {
    await tick();
    await session.pause(done);
  }
  if (session.detached) return undefined;
  // The last entries ("done") are written after the final poll.
  await tick();
  const result = await done;
  // A quick restore ends before its first heartbeat: its outcome is in the result.
  const r = result.restore;
  if (r && (restored?.done !== r.nodes.filter((n) => n.restored).length || restored.total !== r.nodes.length)) {
    session.emit({ event: 'restore', workflowId, done: r.nodes.filter((n) => n.restored).length, total: r.nodes.length, at: r.endedAt });
  }
  return result;
}

/** Follows a drill, a scheduled run or a game day until it ends or the sink detaches. */
export async function followRun(client: Client, workflowId: string, session: FollowSink): Promise<FollowOutcome> {
  {
    const handle = client.workflow.getHandle(workflowId);
    const done = handle.result();
    let finished = false;
    void done.then(() => { finished = true; }, () => { finished = true; });
    let status: DrillStatus | ScheduledStatus | GameDayStatus | undefined;
    while (!status && !finished && !session.detached) {
      status = await queryStatus(() => handle.query(anyStatusQuery));
      if (!status) await session.pause(done);
    }
    if (session.detached) return { kind: 'detached', workflowId };
    const kind = status && 'kind' in status ? status.kind : 'drill';
    if (kind === 'drill') {
      const r = await followOneDrill(client, session, workflowId);
      return r ? { kind: 'drill', result: r } : { kind: 'detached', workflowId };
    }
    if (kind === 'scheduled') {
      for (;;) {
        const s = await queryStatus(() => handle.query(scheduledStatusQuery));
        if (s?.childWorkflowId) {
          const r = await followOneDrill(client, session, s.childWorkflowId);
          return r ? { kind: 'drill', result: r } : { kind: 'detached', workflowId };
        }
        if (finished) {
          const r = (await done) as DrillResult;
          for (const e of r.journal) session.emit({ event: 'journal', workflowId, ...e });
          return { kind: 'drill', result: r };
        }
        if (session.detached) return { kind: 'detached', workflowId };
        await session.pause(done);
      }
    }
    // A game day: its own journal, and each drill in turn.
    const followed = new Set<string>();
    let seen = 0;
    for (;;) {
      const s = await queryStatus(() => handle.query(gameDayStatusQuery));
      if (s) {
        for (const e of s.journal.slice(seen)) session.emit({ event: 'journal', workflowId, ...e });
        seen = s.journal.length;
        const cur = s.current?.workflowId;
        if (cur && !followed.has(cur)) {
          followed.add(cur);
          await followOneDrill(client, session, cur);
          continue;
        }
      }
      if (session.detached) return { kind: 'detached', workflowId };
      if (finished && s?.phase === 'done') break;
      if (finished && !s) break;
      await session.pause(done);
    }
    return { kind: 'gameday', result: (await done) as GameDayResult };
  }
}

