import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SYNC_PAUSE_NOTE } from '../../../client/schedule-sync.js';
import { uniqueName } from '../../support/kube.js';
import { cli, cliEnv, connectClient, writeYaml } from './support.js';

// `schedule sync` against the real Temporal dev server. Each run uses its own task queue, which
// is the catalog sync owns, so other schedules in the namespace are never in play. No drill
// runs here: the schedules fire far in the future and are deleted at the end.

const stack = inject('stack');

describe('firedrill schedule sync', () => {
  const queue = uniqueName('sched-sync');
  const env = cliEnv(stack, queue);
  const a = uniqueName('it-sched-a');
  const b = uniqueName('it-sched-b');
  const foreignSameprefix = `firedrill-drill-${uniqueName('foreign')}`;
  const foreignOther = uniqueName('not-firedrill');
  let dir: string;
  let client: Client;
  let close: () => Promise<void>;

  const drill = (name: string, cron: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'firedrill.dev/v1', kind: 'Drill',
    metadata: { name, owner: 'integration-tests' },
    target: { type: 'zone', zone: 'zone-c' },
    fault: { mode: 'cordon' },
    timing: { hold: '3s', maxDuration: '2m' },
    probes: [{ name: 'web', type: 'http', url: 'http://127.0.0.1:9/' }],
    schedule: { cron, timezone: 'Asia/Seoul', ...extra },
  });
  const describeOrNull = async (id: string) => {
    try {
      return await client.schedule.getHandle(id).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    }
  };

  beforeAll(async () => {
    ({ client, close } = await connectClient(stack));
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-sched-'));
    await writeYaml(dir, 'a.yaml', drill(a, '0 3 8 1,4,7,10 *'));
    await writeYaml(dir, 'b.yaml', drill(b, '0 3 15 1,4,7,10 *', { enabled: false }));
    // A drill without a schedule block and a game day: neither becomes a schedule.
    await writeYaml(dir, 'c.yaml', { ...drill(uniqueName('it-unscheduled'), '* * * * *'), schedule: undefined });
    await writeYaml(dir, 'day.yaml', { apiVersion: 'firedrill.dev/v1', kind: 'GameDay', metadata: { name: 'x', owner: 'y' }, drills: [{ file: 'a.yaml' }], approval: { required: true } });
    // Schedules firedrill does not own: one even wears the firedrill id prefix.
    const action = { type: 'startWorkflow' as const, workflowType: 'nothingWorkflow', taskQueue: queue, args: [] };
    await client.schedule.create({ scheduleId: foreignSameprefix, spec: { cronExpressions: ['0 0 1 1 *'] }, action, state: { paused: true, note: 'not firedrill\'s' } });
    await client.schedule.create({ scheduleId: foreignOther, spec: { cronExpressions: ['0 0 1 1 *'] }, action, memo: { managedBy: 'someone-else', catalog: queue }, state: { paused: true } });
  });

  afterAll(async () => {
    for (const id of [`firedrill-drill-${a}`, `firedrill-drill-${b}`, foreignSameprefix, foreignOther]) {
      await client.schedule.getHandle(id).delete().catch(() => undefined);
    }
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the schedules once; a second sync changes nothing and says so', async () => {
    const dry = await cli(['schedule', 'sync', dir, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would create   firedrill-drill-${a}`);
    expect(await describeOrNull(`firedrill-drill-${a}`)).toBeNull();

    const first = await cli(['schedule', 'sync', dir, '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout) as { changes: Array<{ action: string; scheduleId: string }> };
    expect(out.changes.map((c) => [c.action, c.scheduleId]).sort()).toEqual([['create', `firedrill-drill-${a}`], ['create', `firedrill-drill-${b}`]]);

    const da = await describeOrNull(`firedrill-drill-${a}`);
    expect(da?.memo).toEqual({ managedBy: 'firedrill', drill: a, catalog: queue });
    expect(da?.spec.timezone).toBe('Asia/Seoul');
    expect(da?.policies.overlap).toBe('SKIP');
    expect(da?.policies.catchupWindow).toBe(600_000);
    expect(da?.state.paused).toBe(false);
    expect(da?.action).toMatchObject({ workflowType: 'scheduledDrillWorkflow', taskQueue: queue });
    expect((da?.action.args?.[0] as { spec: { metadata: { name: string } } }).spec.metadata.name).toBe(a);
    expect(da?.info.nextActionTimes.length).toBeGreaterThan(0);
    const db = await describeOrNull(`firedrill-drill-${b}`);
    expect(db?.state).toMatchObject({ paused: true, note: SYNC_PAUSE_NOTE });

    const second = await cli(['schedule', 'sync', dir], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^no changes: 2 schedule\(s\) already match/m);
    expect((await describeOrNull(`firedrill-drill-${a}`))?.info.lastUpdatedAt).toEqual(da?.info.lastUpdatedAt);

    const list = await cli(['schedule', 'list', '--json'], env);
    const rows = JSON.parse(list.stdout) as Array<{ scheduleId: string; paused: boolean; nextRuns: string[]; cron: string }>;
    expect(rows.find((r) => r.scheduleId === `firedrill-drill-${a}`)).toMatchObject({ paused: false, cron: '0 3 8 1,4,7,10 *' });
    expect(rows.find((r) => r.scheduleId === `firedrill-drill-${a}`)?.nextRuns.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.scheduleId === foreignSameprefix || r.scheduleId === foreignOther)).toBe(false);
  });

  it('updates a schedule whose cron changed, and only that one', async () => {
    await writeYaml(dir, 'a.yaml', drill(a, '30 4 8 1,4,7,10 *'));
    const r = await cli(['schedule', 'sync', dir], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`update         firedrill-drill-${a}: cron, drill file changed`);
    expect(r.stdout).not.toContain(`firedrill-drill-${b}:`);
    const d = await describeOrNull(`firedrill-drill-${a}`);
    expect(d?.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 4, end: 4, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] });
    expect(new Date(d?.info.nextActionTimes[0] ?? 0).toISOString()).toMatch(/T19:30:00\.000Z$/); // 04:30 Seoul
    expect((await cli(['schedule', 'sync', dir], env)).stdout).toMatch(/^no changes/m);
  });

  it('keeps an operator pause, and deletes the schedule of a drill removed from the folder', async () => {
    const paused = await cli(['schedule', 'pause', a, '--reason', 'incident'], env);
    expect(paused.code, paused.stderr).toBe(0);
    await rm(path.join(dir, 'b.yaml'));
    const r = await cli(['schedule', 'sync', dir, '--json'], env);
    const out = JSON.parse(r.stdout) as { changes: Array<{ action: string; scheduleId: string }>; notes: Array<{ message: string }> };
    expect(out.changes.map((c) => [c.action, c.scheduleId])).toEqual([['delete', `firedrill-drill-${b}`]]);
    expect(out.notes.map((n) => n.message)).toEqual([expect.stringMatching(/left paused by an operator \(paused by it-operator: incident\)/)]);
    expect(await describeOrNull(`firedrill-drill-${b}`)).toBeNull();
    expect((await describeOrNull(`firedrill-drill-${a}`))?.state.paused).toBe(true);
    expect((await cli(['schedule', 'unpause', a], env)).code).toBe(0);
    expect((await describeOrNull(`firedrill-drill-${a}`))?.state.paused).toBe(false);
  });

  it('never touches schedules it does not own, even with the firedrill prefix or an empty catalog', async () => {
    await rm(path.join(dir, 'a.yaml'));
    const r = await cli(['schedule', 'sync', dir], env);
    expect(r.stdout).toContain(`delete         firedrill-drill-${a}`);
    expect(r.stdout).not.toContain(foreignSameprefix);
    expect(await describeOrNull(`firedrill-drill-${a}`)).toBeNull();
    expect((await describeOrNull(foreignSameprefix))?.state).toMatchObject({ paused: true, note: 'not firedrill\'s' });
    expect((await describeOrNull(foreignOther))?.state.paused).toBe(true);
    expect((await cli(['schedule', 'pause', foreignSameprefix.slice('firedrill-drill-'.length)], env)).stderr).toMatch(/not managed by firedrill/);
  });

  it('refuses to sync a folder with an invalid drill, and changes nothing', async () => {
    await writeYaml(dir, 'broken.yaml', { ...drill(uniqueName('it-broken'), '0 3 * * *'), timing: { hold: '0s', maxDuration: '2m' } });
    await writeYaml(dir, 'a.yaml', drill(a, '0 3 8 1,4,7,10 *'));
    const r = await cli(['schedule', 'sync', dir], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+ timing\.hold: must be greater than 0/);
    expect(await describeOrNull(`firedrill-drill-${a}`)).toBeNull();
  });
});
