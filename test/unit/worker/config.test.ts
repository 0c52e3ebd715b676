import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../worker/config.js';
import { createLogger } from '../../../worker/logger.js';
import { withStartDelays } from '../../../worker/worker.js';

// FIREDRILL_TEST_ACTIVITY_DELAY, the crash tests' knob: parsed strictly, applied only to the
// activities it names, and an unknown name is an error rather than a delay that never happens.

describe('FIREDRILL_TEST_ACTIVITY_DELAY', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('is off unless set, and parses activity=duration pairs', () => {
    expect(loadConfig({}).FIREDRILL_TEST_ACTIVITY_DELAY).toBeUndefined();
    expect(loadConfig({ FIREDRILL_TEST_ACTIVITY_DELAY: 'restoreNodes=6s, writeReport=500ms' }).FIREDRILL_TEST_ACTIVITY_DELAY)
      .toEqual({ restoreNodes: 6000, writeReport: 500 });
  });

  it.each(['restoreNodes', 'restoreNodes=6', 'restoreNodes=6s=1', '=6s', 'restoreNodes=-1s'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ FIREDRILL_TEST_ACTIVITY_DELAY: value })).toThrow(/FIREDRILL_TEST_ACTIVITY_DELAY: expected activity=duration/);
  });

  it('delays only the named activities, and refuses a name that is not an activity', async () => {
    const log = createLogger({ level: 'silent' });
    const calls: string[] = [];
    const acts = { a: async (x: number) => { calls.push('a'); return x + 1; }, b: async () => { calls.push('b'); } };
    const delayed = withStartDelays(acts, { a: 80 }, log);
    expect(delayed.b).toBe(acts.b);
    vi.useFakeTimers();
    const pending = delayed.a(1);
    await vi.advanceTimersByTimeAsync(79);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toBe(2);
    expect(calls).toEqual(['a']);
    expect(withStartDelays(acts, undefined, log)).toBe(acts);
    expect(() => withStartDelays(acts, { restoreNode: 10 }, log)).toThrow(/no activity named "restoreNode"/);
  });
});
