import { describe, expect, it } from 'vitest';
import { median, summarizePower, type PowerRound } from '../../../bench/power-summary.js';

// The power cut's ratio is of medians over rounds; its bounds are judged on the slowest round.

const round = (raw: number, same: number, firedrill: number, abort: number, outcome = 'aborted'): PowerRound => ({
  rawSpreadMs: raw, rawTotalMs: raw + 100, rawSameChangeSpreadMs: same, firedrillSpreadMs: firedrill,
  firedrillSinceInjectMs: firedrill + 120, abortToRestoredMs: abort, abortToRestoreEndedMs: abort - 200,
  abortTimeline: { cancelRequestedMs: 40, holdActivitiesEndedMs: 300, restoreScheduledMs: 45, restoreStartedMs: abort / 10, restoreCompletedMs: abort - 210 },
  outcome,
});

describe('median', () => {
  it('is the middle value, or the mean of the middle two, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe('summarizePower', () => {
  // One raw loop of 832 ms (as once measured) would make firedrill look 1.7x as fast as raw.
  const rounds = [round(122, 832, 494, 700), round(267, 308, 526, 1400), round(250, 300, 510, 650)];

  it('divides the median raw spread by the median firedrill spread, so one outlying loop does not decide', () => {
    const s = summarizePower(100, rounds);
    expect(s).toMatchObject({ nodes: 100, rawSpreadMs: 250, rawSameChangeSpreadMs: 308, firedrillSpreadMs: 510 });
    expect(s.throughputVsRaw).toBe(0.49);
    expect(s.throughputVsSameChange).toBe(0.6);
    expect(s.rounds).toHaveLength(3);
  });

  it('reports the slowest spread and the slowest abort with that round\'s restore end and timeline', () => {
    const s = summarizePower(100, rounds);
    expect(s.worstFiredrillSpreadMs).toBe(526);
    expect(s.abortToRestoredMs).toBe(1400);
    expect(s.abortToRestoreEndedMs).toBe(1200);
    expect(s.abortTimeline?.restoreStartedMs).toBe(140);
  });

  it('names each outcome once, and refuses to summarize nothing', () => {
    expect(summarizePower(10, [...rounds, round(1, 1, 1, 1, 'failed')]).outcome).toBe('aborted, failed');
    expect(() => summarizePower(10, [])).toThrow(/no round/);
  });
});
