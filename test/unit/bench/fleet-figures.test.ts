import { describe, expect, it } from 'vitest';
import { cpuSecondsFromStat, machineTicks, overload, percentile, roundFigures, statParts, taskLatency, type Health } from '../../../bench/fleet-figures.js';

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

describe('fleet figures', () => {
  it('reads utime + stime past a command name with spaces and parentheses', () => {
    // Fields 3.. after "(name)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const line = '4242 (node (worker) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 11 0';
    expect(cpuSecondsFromStat(line)).toBe(3);
    expect(statParts(line)).toEqual({ ppid: 17, cpuSeconds: 3, childrenCpuSeconds: 0.1 });
  });

  it('counts idle and iowait as not busy', () => {
    expect(machineTicks('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3')).toEqual({ busy: 150, total: 1000, steal: 0 });
    expect(machineTicks('cpu  100 0 50 800 50 0 0 30 0 0')).toEqual({ busy: 180, total: 1030, steal: 30 });
  });

  it('pairs started events with their scheduled event for task latency', () => {
    const events = [
      { eventId: 1, eventType: 1, eventTime: ts(1000) },
      { eventId: 2, eventType: 5, eventTime: ts(1000) },
      { eventId: 3, eventType: 6, eventTime: ts(1040), workflowTaskStartedEventAttributes: { scheduledEventId: 2 } },
      { eventId: 5, eventType: 10, eventTime: ts(1100) },
      { eventId: 6, eventType: 11, eventTime: ts(1350), activityTaskStartedEventAttributes: { scheduledEventId: 5 } },
    ];
    expect(taskLatency(events)).toEqual({ workflowTaskMs: [40], activityTaskMs: [250], firstEventMs: 1000, firstWorkflowTaskStartedMs: 1040, firstActivityStartedMs: 1350 });
  });

  it('divides a round by its drills and takes the idle writes off', () => {
    const f = roundFigures({
      drills: 10, workers: 2, wallSeconds: 50, cpuSeconds: [20, 5], readyRssMb: [250, 240], peakRssMb: [350, 260], idleRssMb: 200,
      rows: { inserted: 3000, updated: 2000, deleted: 500 }, rowsSeconds: 100, idleRowsPerSecond: 5,
    });
    expect(f).toEqual({
      cpuSecondsTotal: 25, cpuSecondsPerDrill: 2.5, cpuCores: 0.5, peakRssMb: 350, rssGrowthMb: 120, rssGrowthPerDrillMb: 12, peakOverIdlePerDrillMb: 21,
      rowsWrittenPerDrill: 550, rowsWrittenPerDrillNet: 500,
    });
  });

  it('percentile takes the nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile([], 95)).toBeNull();
  });

  it('names what shows a worker no longer keeping up, and nothing for a healthy round', () => {
    const healthy: Health = {
      drills: 11, workers: 1, passed: 11, worstCoverage: 1, longestGapMs: 1100, workflowTaskP95Ms: 40, activityTaskMaxMs: 20, cpuCores: 0.3, scheduleLatenessMs: 90,
    };
    expect(overload(healthy)).toEqual([]);
    const over = overload({ ...healthy, passed: 9, workflowTaskP95Ms: 2400, scheduleLatenessMs: 61_000 });
    expect(over).toEqual(['2 of 11 drills did not pass', 'workflow tasks waited 2400 ms (p95) to start', 'the scheduled drill started 61000 ms late']);
    expect(overload({ ...healthy, cpuCores: 1.2, workers: 2 })).toEqual([]);
  });
});
