import { ACTIVITY_TASK_SCHEDULED, ACTIVITY_TASK_STARTED, tsMs, type Timestamp } from './fleet-figures.js';

// Where the time between an abort and the restored nodes goes, read off the drill's history:
// the abort signal, the hold's activities asked to stop and stopped, and restore scheduled,
// started and completed. Pure, so it is tested without a stack.

// Event types of temporal.api.enums.v1.EventType used here (and fleet-figures.ts's).
const ACTIVITY_TASK_COMPLETED = 12;
const ACTIVITY_ENDED = new Set([ACTIVITY_TASK_COMPLETED, 13, 14, 16]); // completed, failed, timed out, cancelled
const ACTIVITY_TASK_CANCEL_REQUESTED = 15;
const WORKFLOW_EXECUTION_SIGNALED = 26;

type Id = { toString(): string } | number | null | undefined;

export interface TimelineEvent {
  eventId?: Id;
  eventType?: number | null;
  eventTime?: Timestamp | null;
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: Id } | null;
  activityTaskCancelRequestedEventAttributes?: { scheduledEventId?: Id } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: Id } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: Id } | null;
  activityTaskTimedOutEventAttributes?: { scheduledEventId?: Id } | null;
  activityTaskCanceledEventAttributes?: { scheduledEventId?: Id } | null;
}

/** Milliseconds after the abort signal was recorded; null when the history has no such event. */
export interface AbortTimeline {
  /** The hold's activities asked to stop (the workflow's first task after the signal). */
  cancelRequestedMs: number | null;
  /** The last of them stopped (each learns of it at its next heartbeat). */
  holdActivitiesEndedMs: number | null;
  restoreScheduledMs: number | null;
  restoreStartedMs: number | null;
  restoreCompletedMs: number | null;
}

const key = (v: Id) => (v === null || v === undefined ? '' : String(v));

function endedOf(e: TimelineEvent): Id {
  return (e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes
    ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes)?.scheduledEventId;
}

/** The timeline of the last `abort` signal in a drill's history. */
export function abortTimeline(events: readonly TimelineEvent[]): AbortTimeline | null {
  const at = (e: TimelineEvent) => (e.eventTime ? tsMs(e.eventTime) : NaN);
  const signal = [...events].reverse().find((e) => e.eventType === WORKFLOW_EXECUTION_SIGNALED && e.workflowExecutionSignaledEventAttributes?.signalName === 'abort');
  if (!signal) return null;
  const t = at(signal);
  const after = events.filter((e) => at(e) >= t);
  const since = (e: TimelineEvent | undefined) => (e ? at(e) - t : null);
  const cancels = after.filter((e) => e.eventType === ACTIVITY_TASK_CANCEL_REQUESTED);
  const cancelled = new Set(cancels.map((e) => key(e.activityTaskCancelRequestedEventAttributes?.scheduledEventId)));
  const ends = after.filter((e) => e.eventType !== undefined && e.eventType !== null && ACTIVITY_ENDED.has(e.eventType) && cancelled.has(key(endedOf(e))));
  const restore = after.find((e) => e.eventType === ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'restoreNodes');
  const restoreId = restore ? key(restore.eventId) : undefined;
  const started = after.find((e) => e.eventType === ACTIVITY_TASK_STARTED && key(e.activityTaskStartedEventAttributes?.scheduledEventId) === restoreId);
  const completed = after.find((e) => e.eventType === ACTIVITY_TASK_COMPLETED && key(e.activityTaskCompletedEventAttributes?.scheduledEventId) === restoreId);
  return {
    cancelRequestedMs: since(cancels[0]),
    holdActivitiesEndedMs: since(ends[ends.length - 1]),
    restoreScheduledMs: since(restore),
    restoreStartedMs: since(started),
    restoreCompletedMs: since(completed),
  };
}
