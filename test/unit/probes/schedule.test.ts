import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createObserve, firstTickOffset, STAGGER_STEP_MS, type ObserveResult } from '../../../activities/probes/observe.js';
import { httpProbeSchema } from '../../../drills/schema/probes.js';

// When probes tick: spread apart at first, so a thousand are not one burst each interval, and
// then each on its own schedule, so a slow check does not push the later ticks back.

const probe = (name: string, interval: number) =>
  httpProbeSchema.parse({ type: 'http', name, url: `http://svc.test/${name}`, interval: `${interval}ms`, tolerance: { stableFor: '0s' } });

describe('firstTickOffset', () => {
  it('spreads a thousand probes at 1 s over the whole second, one millisecond apart', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => firstTickOffset(i, 1000, 1000));
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(1);
    expect(offsets[999]).toBe(999);
    expect(new Set(offsets).size).toBe(1000);
  });

  it('starts a few probes within milliseconds of each other, never an interval apart', () => {
    expect([0, 1, 2].map((i) => firstTickOffset(i, 3, 5000))).toEqual([0, STAGGER_STEP_MS, 2 * STAGGER_STEP_MS]);
  });
});

describe('observe schedule', () => {
  it('first checks of many probes arrive spread out, not at once', async () => {
    const first = new Map<string, number>();
    const t0 = Date.now();
    const fetch = (async (url: string | URL) => {
      const name = String(url).split('/').at(-1) as string;
      if (!first.has(name)) first.set(name, Date.now() - t0);
      return new Response('ok');
    }) as typeof globalThis.fetch;
    const probes = Array.from({ length: 100 }, (_, i) => probe(`p${i}`, 200));
    const r = (await new MockActivityEnvironment().run(createObserve({ fetch }), { mode: 'hold' as const, probes, durationMs: 1_000 })) as ObserveResult;
    expect(r.probes.every((p) => p.total >= 1)).toBe(true);
    const times = [...first.values()].sort((a, b) => a - b);
    expect(times).toHaveLength(100);
    // 100 probes at 200 ms: 2 ms apart, so the last starts about 198 ms after the first.
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThanOrEqual(150);
  });

  it('a stalled event loop does not shift the ticks after it: they keep start + k × interval', async () => {
    const at: number[] = [];
    const fetch = (async () => {
      at.push(Date.now());
      // Just after the second check (1 s), the worker is busy for 1.4 s: the tick due at 2 s runs
      // at about 2.5 s. Drifting, the next would follow at 3.5 s; on the schedule it is at 3 s.
      // Half an interval apart, so timers late by a loaded machine's 100 ms or more still tell.
      if (at.length === 2) setTimeout(() => { const until = Date.now() + 1400; while (Date.now() < until); }, 100);
      return new Response('ok');
    }) as typeof globalThis.fetch;
    await new MockActivityEnvironment().run(createObserve({ fetch }), { mode: 'hold' as const, probes: [probe('one', 1000)], durationMs: 4_300 });
    const start = at[0] as number;
    const after = at.filter((t) => t - start > 2_700);
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const t of after) {
      const off = (t - start) % 1000;
      expect(Math.min(off, 1000 - off)).toBeLessThan(250);
    }
  });
});
