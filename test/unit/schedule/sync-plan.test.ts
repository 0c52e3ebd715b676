import { describe, expect, it } from 'vitest';
import { fingerprintHash, planSync, SYNC_PAUSE_NOTE, type DesiredSchedule, type ExistingSchedule, type Fingerprint } from '../../../client/schedule-sync.js';
import type { DrillSpec } from '../../../drills/schema/index.js';

const fp = (over: Partial<Fingerprint> = {}): Fingerprint => ({ cron: '0 3 8 1,4,7,10 *', timezone: 'Asia/Seoul', enabled: true, specSha256: 'a'.repeat(64), firedrillVersion: '0.1.0', ...over });
const want = (drill: string, over: Partial<Fingerprint> = {}): DesiredSchedule => {
  const fingerprint = fp(over);
  return { drill, file: `drills/${drill}.yaml`, scheduleId: `firedrill-drill-${drill}`, spec: {} as DrillSpec, fingerprint, hash: fingerprintHash(fingerprint) };
};
const have = (drill: string, over: Partial<ExistingSchedule> & { fp?: Partial<Fingerprint> } = {}): ExistingSchedule => {
  const fingerprint = fp(over.fp);
  return { scheduleId: `firedrill-drill-${drill}`, owned: true, catalog: 'firedrill', drill, fingerprint, hash: fingerprintHash(fingerprint), paused: false, ...over };
};

describe('planSync', () => {
  it('creates what is missing and leaves what matches', () => {
    const p = planSync([want('a'), want('b')], [have('a')], 'firedrill');
    expect(p.changes).toEqual([{ action: 'create', scheduleId: 'firedrill-drill-b', drill: 'b', reason: '"0 3 8 1,4,7,10 *" Asia/Seoul from drills/b.yaml' }]);
    expect(p.unchanged).toEqual(['firedrill-drill-a']);
  });

  it('updates a schedule whose drill file, cron or zone changed, and says what changed', () => {
    const p = planSync([want('a', { cron: '0 4 * * *' }), want('b', { specSha256: 'b'.repeat(64) })], [have('a'), have('b')], 'firedrill');
    expect(p.changes.map((c) => [c.action, c.drill, c.reason])).toEqual([['update', 'a', 'cron changed'], ['update', 'b', 'drill file changed']]);
  });

  it('deletes owned schedules of this catalog that no drill wants, and nothing else', () => {
    const p = planSync([], [
      have('gone'),
      have('other-queue', { catalog: 'staging' }),
      { scheduleId: 'firedrill-drill-impostor', owned: false, paused: false },
    ], 'firedrill');
    expect(p.changes).toEqual([{ action: 'delete', scheduleId: 'firedrill-drill-gone', drill: 'gone', reason: expect.any(String) }]);
  });

  it('never takes over a schedule id it does not own', () => {
    const p = planSync([want('a')], [{ scheduleId: 'firedrill-drill-a', owned: false, paused: false }], 'firedrill');
    expect(p.changes).toEqual([]);
    expect(p.notes[0]?.message).toMatch(/firedrill does not own it/);
  });

  it('pauses for enabled: false, unpauses its own pause, keeps an operator pause', () => {
    const off = want('a', { enabled: false });
    expect(planSync([off], [have('a', { fp: { enabled: false } })], 'firedrill').changes.map((c) => c.action)).toEqual(['pause']);
    expect(planSync([want('a')], [have('a', { paused: true, note: SYNC_PAUSE_NOTE })], 'firedrill').changes.map((c) => c.action)).toEqual(['unpause']);
    const kept = planSync([want('a')], [have('a', { paused: true, note: 'paused by alice: incident' })], 'firedrill');
    expect(kept.changes).toEqual([]);
    expect(kept.notes[0]?.message).toMatch(/left paused by an operator/);
  });
});
