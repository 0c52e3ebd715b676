import { describe, expect, it } from 'vitest';
import { failoverMs, FrontRecord } from '../../../simulator/front.js';

// The global front: health checks every interval, a failure threshold, a TTL, and the ground
// truth of every switch.

const opts = { sites: ['site-a', 'site-b'], intervalMs: 1000, failureThreshold: 3, successThreshold: 2, ttlMs: 2000 };
const T = Date.parse('2026-01-01T00:00:00.000Z');

/** Runs checks at T + k·interval for k in [from, to), with site-a's health given by upA(k). */
function run(f: FrontRecord, from: number, to: number, upA: (k: number) => boolean, upB: (k: number) => boolean = () => true): void {
  for (let k = from; k < to; k++) f.check(T + k * opts.intervalMs, (s) => (s === 'site-a' ? upA(k) : upB(k)));
}

describe('the global front', () => {
  it('states its longest failover: threshold × interval plus the TTL', () => {
    expect(failoverMs(opts)).toBe(5000);
  });

  it('keeps traffic on the preferred site while it is up', () => {
    const f = new FrontRecord(opts);
    run(f, 0, 20, () => true);
    expect(f.switches).toEqual([]);
    expect(f.servedBy(T + 20_000)).toBe('site-a');
  });

  it('fails over after failureThreshold failed checks, and clients follow after the TTL', () => {
    const f = new FrontRecord(opts);
    // site-a is lost just after the check at k = 4: checks 5, 6 and 7 fail.
    run(f, 0, 12, (k) => k <= 4);
    expect(f.switches).toHaveLength(1);
    const s = f.switches[0]!;
    expect(s).toMatchObject({ from: 'site-a', to: 'site-b', decidedAt: new Date(T + 7000).toISOString(), at: new Date(T + 9000).toISOString() });
    expect(s.reason).toMatch(/failed 3 health checks/);
    // Until the TTL runs out, requests still go to the lost site.
    expect(f.servedBy(T + 8999)).toBe('site-a');
    expect(f.servedBy(T + 9000)).toBe('site-b');
    // Lost at T+4.001 s, traffic moved at T+9 s: within failoverMs of the loss.
    expect(Date.parse(s.at) - (T + 4001)).toBeLessThanOrEqual(failoverMs(opts));
  });

  it('does not fail over on fewer failures than the threshold', () => {
    const f = new FrontRecord(opts);
    run(f, 0, 20, (k) => !(k === 5 || k === 6 || k === 10));
    expect(f.switches).toEqual([]);
  });

  it('fails back to the preferred site after successThreshold passed checks', () => {
    const f = new FrontRecord(opts);
    run(f, 0, 30, (k) => k < 5 || k >= 15);
    expect(f.switches.map((s) => [s.from, s.to])).toEqual([['site-a', 'site-b'], ['site-b', 'site-a']]);
    // Up again from k = 15: the second passed check (k = 16) decides, clients follow 2 s later.
    expect(f.switches[1]).toMatchObject({ decidedAt: new Date(T + 16_000).toISOString(), at: new Date(T + 18_000).toISOString() });
    expect(f.switches[1]!.reason).toMatch(/up again and preferred/);
    expect(f.servedBy(T + 30_000)).toBe('site-a');
  });

  it('does not fail over to a site that is down too, nor to one that never had the service', () => {
    const f = new FrontRecord(opts);
    run(f, 0, 20, (k) => k < 5, () => false);
    expect(f.switches).toEqual([]);
    expect(f.servedBy(T + 20_000)).toBe('site-a');
  });

  it('takes its first state from the first check, not from an assumption', () => {
    const f = new FrontRecord(opts);
    run(f, 0, 1, () => false);
    expect(f.switches.map((s) => s.to)).toEqual(['site-b']);
  });
});
