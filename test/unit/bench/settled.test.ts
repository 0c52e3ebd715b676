import { describe, expect, it } from 'vitest';
import { settled, type ProcMemory } from '../../../bench/worker-process.js';

// "Ready" memory is read once the idle worker's RSS stops moving, not at the first instant it polls.

const series = (values: number[]) => {
  let i = 0;
  return async (): Promise<ProcMemory> => ({ rssMb: values[Math.min(i++, values.length - 1)] as number, hwmMb: 320 });
};
const noSleep = async () => undefined;

describe('settled', () => {
  it('waits out the start-up garbage: 310 MB for a few samples, then 241 MB', async () => {
    const m = await settled(series([310, 310, 305, 260, 241, 241, 241, 241.5, 241, 241, 241]), { sleep: noSleep });
    expect(m.rssMb).toBe(241);
    expect(m.settledAfterMs).toBe(9000);
  });

  it('gives up after the bound on a worker whose RSS keeps moving', async () => {
    let rss = 200;
    const m = await settled(async () => ({ rssMb: (rss += 5), hwmMb: 400 }), { sleep: noSleep, maxMs: 10_000 });
    expect(m.settledAfterMs).toBe(10_000);
    expect(m.rssMb).toBe(255);
  });
});
