import { describe, expect, it } from 'vitest';
import { abortTimeline, type TimelineEvent } from '../../../bench/abort-timeline.js';

// The abort breakdown the power benchmark reports: times after the abort signal, from a history.

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
const scheduled = (id: number, ms: number, name: string): TimelineEvent => ({ eventId: id, eventType: 10, eventTime: at(ms), activityTaskScheduledEventAttributes: { activityType: { name } } });

describe('abortTimeline', () => {
  const history: TimelineEvent[] = [
    scheduled(5, 1_000, 'observe'),
    scheduled(6, 1_000, 'injectFault'),
    { eventId: 7, eventType: 12, eventTime: at(2_000), activityTaskCompletedEventAttributes: { scheduledEventId: 6 } },
    { eventId: 8, eventType: 26, eventTime: at(10_000), workflowExecutionSignaledEventAttributes: { signalName: 'abort' } },
    { eventId: 9, eventType: 15, eventTime: at(10_040), activityTaskCancelRequestedEventAttributes: { scheduledEventId: 5 } },
    { eventId: 10, eventType: 11, eventTime: at(1_010), activityTaskStartedEventAttributes: { scheduledEventId: 5 } },
    { eventId: 11, eventType: 16, eventTime: at(10_900), activityTaskCanceledEventAttributes: { scheduledEventId: 5 } },
    scheduled(12, 10_950, 'restoreNodes'),
    { eventId: 13, eventType: 11, eventTime: at(10_970), activityTaskStartedEventAttributes: { scheduledEventId: 12 } },
    { eventId: 14, eventType: 12, eventTime: at(11_300), activityTaskCompletedEventAttributes: { scheduledEventId: 12 } },
  ];

  it('times each step from the abort signal: stop asked, hold stopped, restore scheduled, started, completed', () => {
    expect(abortTimeline(history)).toEqual({
      cancelRequestedMs: 40, holdActivitiesEndedMs: 900, restoreScheduledMs: 950, restoreStartedMs: 970, restoreCompletedMs: 1300,
    });
  });

  it('is null without an abort signal; a step the history lacks is null', () => {
    expect(abortTimeline(history.filter((e) => e.eventType !== 26))).toBeNull();
    expect(abortTimeline(history.slice(0, 5))).toMatchObject({ cancelRequestedMs: 40, holdActivitiesEndedMs: null, restoreScheduledMs: null });
  });
});
