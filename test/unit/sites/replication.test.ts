import { describe, expect, it } from 'vitest';
import { GeoStore } from '../../../simulator/replication.js';

// The store replicated across sites: asynchronous with a lag, promoted after the primary's site
// is lost, acknowledged-but-unreplicated writes lost, and a lossless switchover back.

const T = Date.parse('2026-01-01T00:00:00.000Z');
const opts = { primary: 'site-a', replica: 'site-b', lagMs: 3000, failureThreshold: 3, successThreshold: 3 };

function drive(store: GeoStore, upA: (t: number) => boolean, until: number, write = true): number[] {
  const acked: number[] = [];
  let seq = 0;
  for (let t = T; t < until; t += 100) {
    const available = (s: string) => (s === 'site-a' ? upA(t) : true);
    // A write every second, a replication tick every 100 ms, a health check every second.
    if (write && (t - T) % 1000 === 0) {
      seq++;
      if (store.write(t, { seq, at: t }, available).ok) acked.push(seq);
    }
    store.replicate(t, available);
    if ((t - T) % 1000 === 500) store.check(t, available);
  }
  return acked;
}

describe('the store replicated across sites', () => {
  it('applies writes to the replica only after the lag', () => {
    const s = new GeoStore(opts);
    const up = () => true;
    s.write(T, { seq: 1, at: T }, up);
    s.replicate(T + 2999, up);
    s.check(T + 2999, (x) => x === 'site-b');
    // Without the primary for one check nothing is promoted yet.
    expect(s.primary).toBe('site-a');
    expect(s.read(up)).toEqual({ ok: true, primary: 'site-a', markers: [1] });
  });

  it('promotes the replica after the threshold and loses exactly the writes acknowledged within the lag', () => {
    const s = new GeoStore(opts);
    const lostAt = T + 20_050;
    const acked = drive(s, (t) => t < lostAt, T + 40_000);
    expect(s.primary).toBe('site-b');
    const p = s.promotions[0]!;
    expect(p).toMatchObject({ from: 'site-a', to: 'site-b', kind: 'failover' });
    // Acknowledged at 18 s, 19 s and 20 s: the last replication tick with site-a up (20.0 s) had
    // shipped everything acknowledged up to 17.0 s.
    expect(p.lostSeqs).toEqual([18, 19, 20].map((x) => x + 1));
    expect(Date.parse(p.lostTo!) - Date.parse(p.lostFrom!)).toBe(2000);
    // Promoted at the third failed check after the loss.
    expect(Date.parse(p.at)).toBe(T + 22_500);
    const read = s.read(() => true);
    expect(read.ok && read.markers.filter((m) => p.lostSeqs.includes(m))).toEqual([]);
    // Writes during the outage were refused (not acknowledged), later ones land on site-b.
    expect(acked).not.toContain(22);
    expect(acked).toContain(24);
  });

  it('refuses writes and reads while no primary is available', () => {
    const s = new GeoStore(opts);
    const down = (x: string) => x !== 'site-a';
    expect(s.write(T, { seq: 1, at: T }, down)).toEqual({ ok: false, reason: 'primary in site-a is not available' });
    expect(s.read(down).ok).toBe(false);
  });

  it('never promotes when the replica is down as well', () => {
    const s = new GeoStore(opts);
    for (let k = 0; k < 10; k++) s.check(T + k * 1000, () => false);
    expect(s.promotions).toEqual([]);
    expect(s.primary).toBe('site-a');
  });

  it('lets the old primary rejoin as a replica and switches back without loss', () => {
    const s = new GeoStore(opts);
    const acked = drive(s, (t) => t < T + 10_050 || t >= T + 30_000, T + 60_000);
    expect(s.promotions.map((p) => [p.kind, p.from, p.to])).toEqual([['failover', 'site-a', 'site-b'], ['switchover', 'site-b', 'site-a']]);
    expect(s.promotions[1]!.lost).toBe(0);
    expect(s.primary).toBe('site-a');
    const read = s.read(() => true);
    const lost = new Set(s.promotions[0]!.lostSeqs);
    // Everything acknowledged survives except what the failover lost: the rejoin discarded it.
    expect(read.ok && read.markers).toEqual(acked.filter((a) => !lost.has(a)));
  });
});
