import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
  // On fake timers: the schedule is arithmetic on the clock, so each tick's time is exact and a
  // loaded machine's late timers cannot move it (real timers made this test fail twice in CI).
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 }); });
  afterEach(() => { vi.useRealTimers(); });

  const runFor = async (probes: ReturnType<typeof probe>[], durationMs: number, fetch: typeof globalThis.fetch) => {
    const done = new MockActivityEnvironment().run(createObserve({ fetch }), { mode: 'hold' as const, probes, durationMs }) as Promise<ObserveResult>;
    await vi.advanceTimersByTimeAsync(durationMs + 1_000);
    return done;
  };

  it('first checks of many probes arrive spread out, not at once', async () => {
    const first = new Map<string, number>();
    const fetch = (async (url: string | URL) => {
      const name = String(url).split('/').at(-1) as string;
      if (!first.has(name)) first.set(name, Date.now());
      return new Response('ok');
    }) as typeof globalThis.fetch;
    const probes = Array.from({ length: 100 }, (_, i) => probe(`p${i}`, 200));
    const r = await runFor(probes, 1_000, fetch);
    expect(r.probes.every((p) => p.total >= 1)).toBe(true);
    // 100 probes at 200 ms: 2 ms apart, so the last starts 198 ms after the first.
    expect(probes.map((p) => first.get(p.name))).toEqual(probes.map((_, i) => i * 2));
  });

  it('a check that overruns does not shift the ticks after it: they keep start + k × interval', async () => {
    const at: number[] = [];
    const fetch = (async () => {
      at.push(Date.now());
      // The second check (at 1 s) takes 1.4 s: the tick due at 2 s is missed and skipped, and the
      // next is at 3 s. Drifting, it would be at 3.4 s (1 s after the check) or 2.4 s (caught up).
      if (at.length === 2) await new Promise((r) => setTimeout(r, 1_400));
      return new Response('ok');
    }) as typeof globalThis.fetch;
    await runFor([probe('one', 1000)], 4_300, fetch);
    expect(at).toEqual([0, 1_000, 3_000, 4_000]);
  });
});
