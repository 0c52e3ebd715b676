import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withLock } from '../../../devstack/lock.js';

// Two holders of one lock take turns; the second is told it waits (a benchmark run says so
// instead of sharing, and then stopping, another run's stack).

describe('withLock', () => {
  let dir: string | undefined;
  afterEach(async () => { if (dir) await fs.rm(dir, { recursive: true, force: true }); });

  it('runs the second holder after the first, and calls onWait only for the one that waits', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-lock-'));
    const d = dir;
    const events: string[] = [];
    let releaseFirst: () => void = () => undefined;
    let firstHolds: () => void = () => undefined;
    const holding = new Promise<void>((r) => { firstHolds = r; });
    const first = withLock(d, 'run', async () => {
      events.push('first in');
      firstHolds();
      await new Promise<void>((r) => { releaseFirst = r; });
      events.push('first out');
    }, () => events.push('first waits'));
    await holding;
    let told: () => void = () => undefined;
    const waiting = new Promise<void>((r) => { told = r; });
    const second = withLock(d, 'run', async () => { events.push('second in'); }, () => { events.push('second waits'); told(); });
    // The second is told it waits, and is queued behind the first until the first lets go.
    await waiting;
    expect(events).toEqual(['first in', 'second waits']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', 'second waits', 'first out', 'second in']);
  });
});
