import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptions, type ScheduleUpdateOptions,
} from '@temporalio/client';
import { isGameDayFile } from '../drills/gameday/load.js';
import { loadDrillFile } from '../drills/load.js';
import { formatProblem, locateInSource, type Problem } from '../drills/positions.js';
import type { DrillSpec } from '../drills/schema/index.js';
import { scheduledDrillWorkflowType, type ScheduledDrillInput } from '../workflows/contract.js';
import { FIREDRILL_VERSION } from './version.js';

// `schedule sync`: make the Temporal Schedules match the `schedule` blocks of a drill catalog.
// firedrill owns a schedule when its id has the firedrill prefix AND its memo says so; the memo
// also names the catalog (the task queue it starts drills on), so two catalogs in one namespace
// never delete each other's schedules. Only owned schedules of this catalog are changed.
// The schedule memo cannot be updated after creation, so the fingerprint of what was synced
// (cron, zone, enabled, spec hash, version) lives in the action's memo, which every run carries.

export const SCHEDULE_PREFIX = 'firedrill-drill-';
export const scheduleIdFor = (drill: string) => `${SCHEDULE_PREFIX}${drill}`;
/** Sync pauses with this note; a pause with any other note is an operator's and is kept. */
export const SYNC_PAUSE_NOTE = 'disabled in the drill file (schedule.enabled: false)';
export const CATCHUP_WINDOW = '10 minutes';
const FINGERPRINT_VERSION = 1;

export interface Fingerprint {
  cron: string;
  timezone: string;
  enabled: boolean;
  specSha256: string;
  firedrillVersion: string;
}

export interface DesiredSchedule {
  drill: string;
  file: string;
  scheduleId: string;
  spec: DrillSpec;
  fingerprint: Fingerprint;
  hash: string;
}

export interface ExistingSchedule {
  scheduleId: string;
  /** Carries firedrill's ownership memo. */
  owned: boolean;
  catalog?: string;
  drill?: string;
  fingerprint?: Partial<Fingerprint>;
  hash?: string;
  paused: boolean;
  note?: string;
}

export type ChangeAction = 'create' | 'update' | 'delete' | 'pause' | 'unpause';
export interface Change { action: ChangeAction; scheduleId: string; drill: string; reason: string }
export interface SyncPlan {
  changes: Change[];
  unchanged: string[];
  /** Left alone on purpose, with why (not owned, another catalog, paused by an operator). */
  notes: Array<{ scheduleId: string; message: string }>;
}

export function fingerprintHash(f: Fingerprint): string {
  const canonical = JSON.stringify({ v: FINGERPRINT_VERSION, cron: f.cron, timezone: f.timezone, enabled: f.enabled, specSha256: f.specSha256, firedrillVersion: f.firedrillVersion });
  return createHash('sha256').update(canonical).digest('hex');
}

export function desiredFor(spec: DrillSpec, sha256: string, file: string): DesiredSchedule | undefined {
  const s = spec.schedule;
  if (!s) return undefined;
  const fingerprint: Fingerprint = { cron: s.cron.trim().split(/\s+/).join(' '), timezone: s.timezone, enabled: s.enabled, specSha256: sha256, firedrillVersion: FIREDRILL_VERSION };
  return { drill: spec.metadata.name, file, scheduleId: scheduleIdFor(spec.metadata.name), spec, fingerprint, hash: fingerprintHash(fingerprint) };
}

function changedFields(a: Partial<Fingerprint> | undefined, b: Fingerprint): string {
  if (!a) return 'no fingerprint recorded';
  const fields = (['cron', 'timezone', 'enabled', 'specSha256', 'firedrillVersion'] as const).filter((k) => a[k] !== b[k]);
  const words: Record<string, string> = { cron: 'cron', timezone: 'time zone', enabled: 'enabled', specSha256: 'drill file', firedrillVersion: 'firedrill version' };
  return fields.length ? `${fields.map((f) => words[f]).join(', ')} changed` : 'fingerprint changed';
}

/** What sync must do so the catalog's schedules match `desired`. Pure. */
export function planSync(desired: readonly DesiredSchedule[], existing: readonly ExistingSchedule[], catalog: string): SyncPlan {
  const plan: SyncPlan = { changes: [], unchanged: [], notes: [] };
  const byId = new Map(existing.map((e) => [e.scheduleId, e]));
  const wanted = new Set(desired.map((d) => d.scheduleId));
  for (const d of desired) {
    const e = byId.get(d.scheduleId);
    if (!e) {
      plan.changes.push({ action: 'create', scheduleId: d.scheduleId, drill: d.drill, reason: `"${d.fingerprint.cron}" ${d.fingerprint.timezone}${d.fingerprint.enabled ? '' : ', paused (enabled: false)'} from ${d.file}` });
      continue;
    }
    if (!e.owned) {
      plan.notes.push({ scheduleId: d.scheduleId, message: `not created: a schedule with this id exists and firedrill does not own it (drill ${d.drill}, ${d.file})` });
      continue;
    }
    if (e.catalog !== catalog) {
      plan.notes.push({ scheduleId: d.scheduleId, message: `not touched: it belongs to the catalog on task queue "${e.catalog ?? '?'}", not "${catalog}"` });
      continue;
    }
    if (e.hash !== d.hash) {
      plan.changes.push({ action: 'update', scheduleId: d.scheduleId, drill: d.drill, reason: changedFields(e.fingerprint, d.fingerprint) });
      continue;
    }
    const operatorPause = e.paused && e.note !== SYNC_PAUSE_NOTE;
    if (!d.fingerprint.enabled && !e.paused) plan.changes.push({ action: 'pause', scheduleId: d.scheduleId, drill: d.drill, reason: 'schedule.enabled is false' });
    else if (d.fingerprint.enabled && e.paused && !operatorPause) plan.changes.push({ action: 'unpause', scheduleId: d.scheduleId, drill: d.drill, reason: 'schedule.enabled is true' });
    else {
      plan.unchanged.push(d.scheduleId);
      if (d.fingerprint.enabled && operatorPause) plan.notes.push({ scheduleId: d.scheduleId, message: `left paused by an operator (${e.note ?? 'no note'}); \`firedrill schedule unpause ${d.drill}\` resumes it` });
    }
  }
  for (const e of existing) {
    if (wanted.has(e.scheduleId) || !e.owned || e.catalog !== catalog) continue;
    plan.changes.push({ action: 'delete', scheduleId: e.scheduleId, drill: e.drill ?? e.scheduleId.slice(SCHEDULE_PREFIX.length), reason: 'no drill in the catalog schedules it any more' });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The catalog on disk

export class CatalogError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`the drill catalog has ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'CatalogError';
  }
}

/**
 * Every scheduled drill in `dir/*.yaml` (not recursive; game-day files are skipped). One invalid
 * file stops the whole sync: a typo must never read as "this drill was removed".
 */
export async function loadCatalog(dir: string): Promise<DesiredSchedule[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name)).map((e) => e.name).sort();
  } catch (err) {
    throw new CatalogError([{ file: dir, line: 1, col: 1, path: '', message: `cannot read the drill folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  const problems: Problem[] = [];
  const out: DesiredSchedule[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    if (await isGameDayFile(file)) continue;
    const loaded = await loadDrillFile(file);
    if (!loaded.ok) {
      problems.push(...loaded.problems);
      continue;
    }
    const drill = loaded.spec.metadata.name;
    const first = seen.get(drill);
    if (first) {
      problems.push({ file, ...locateInSource(loaded.source, ['metadata', 'name']), path: 'metadata.name', message: `drill name "${drill}" is already used by ${first}` });
      continue;
    }
    seen.set(drill, file);
    const d = desiredFor(loaded.spec, loaded.sha256, file);
    if (d) out.push(d);
  }
  if (problems.length) throw new CatalogError(problems);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Temporal

interface OwnerMemo { managedBy?: string; drill?: string; catalog?: string }

export async function describeSchedule(client: Client, scheduleId: string): Promise<{ desc: ScheduleDescription; existing: ExistingSchedule } | undefined> {
  let desc: ScheduleDescription;
  try {
    desc = await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
  const memo = (desc.memo ?? {}) as OwnerMemo;
  const synced = (desc.action.memo?.firedrillSchedule ?? undefined) as { hash?: string; fingerprint?: Partial<Fingerprint> } | undefined;
  const owned = scheduleId.startsWith(SCHEDULE_PREFIX) && memo.managedBy === 'firedrill';
  return {
    desc,
    existing: {
      scheduleId, owned, paused: desc.state.paused,
      ...(desc.state.note ? { note: desc.state.note } : {}),
      ...(owned && memo.catalog ? { catalog: memo.catalog } : {}),
      ...(owned && memo.drill ? { drill: memo.drill } : {}),
      ...(synced?.hash ? { hash: synced.hash } : {}),
      ...(synced?.fingerprint ? { fingerprint: synced.fingerprint } : {}),
    },
  };
}

/** firedrill-prefixed schedules in the namespace, plus the given ids (listing lags behind writes). */
export async function existingSchedules(client: Client, alsoIds: Iterable<string> = []): Promise<Array<{ desc: ScheduleDescription; existing: ExistingSchedule }>> {
  const ids = new Set<string>();
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(SCHEDULE_PREFIX)) ids.add(s.scheduleId);
  for (const id of alsoIds) ids.add(id);
  const out: Array<{ desc: ScheduleDescription; existing: ExistingSchedule }> = [];
  for (const id of [...ids].sort()) {
    const d = await describeSchedule(client, id);
    if (d) out.push(d);
  }
  return out;
}

function scheduleBody(d: DesiredSchedule, taskQueue: string, uiUrl: string | undefined) {
  const input: ScheduledDrillInput = { spec: d.spec, specSha256: d.fingerprint.specSha256, firedrillVersion: FIREDRILL_VERSION, ...(uiUrl ? { temporalUiUrl: uiUrl } : {}) };
  return {
    spec: { cronExpressions: [d.fingerprint.cron], timezone: d.fingerprint.timezone },
    action: {
      type: 'startWorkflow' as const,
      workflowType: scheduledDrillWorkflowType,
      taskQueue,
      // Temporal appends the scheduled time: <drill>-scheduled-2026-04-08T03:00:00Z.
      workflowId: `${d.drill}-scheduled`,
      args: [input],
      memo: { firedrillSchedule: { hash: d.hash, fingerprint: d.fingerprint, file: d.file } },
    },
    // SKIP: a quarter's drill that is still running (waiting for approval, say) is not doubled.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
  };
}

export async function applyChange(client: Client, c: Change, d: DesiredSchedule | undefined, current: ExistingSchedule | undefined, taskQueue: string, uiUrl?: string): Promise<void> {
  const handle = client.schedule.getHandle(c.scheduleId);
  switch (c.action) {
    case 'create': {
      if (!d) throw new Error(`no drill for ${c.scheduleId}`);
      const options: ScheduleOptions = {
        scheduleId: c.scheduleId,
        ...scheduleBody(d, taskQueue, uiUrl),
        memo: { managedBy: 'firedrill', drill: d.drill, catalog: taskQueue },
        state: { paused: !d.fingerprint.enabled, ...(d.fingerprint.enabled ? {} : { note: SYNC_PAUSE_NOTE }) },
      };
      await client.schedule.create(options);
      return;
    }
    case 'update': {
      if (!d) throw new Error(`no drill for ${c.scheduleId}`);
      // An operator's pause survives a file change; the file's enabled: false always pauses.
      const operatorPause = current?.paused && current.note !== SYNC_PAUSE_NOTE;
      const state = !d.fingerprint.enabled ? { paused: true, note: SYNC_PAUSE_NOTE }
        : operatorPause ? { paused: true, ...(current?.note ? { note: current.note } : {}) } : { paused: false };
      await handle.update((): ScheduleUpdateOptions => ({ ...scheduleBody(d, taskQueue, uiUrl), state }));
      return;
    }
    case 'delete': await handle.delete(); return;
    case 'pause': await handle.pause(SYNC_PAUSE_NOTE); return;
    case 'unpause': await handle.unpause('enabled in the drill file'); return;
  }
}

export interface SyncOutcome extends SyncPlan { dryRun: boolean; catalog: string; dir: string }

export async function syncSchedules(client: Client, opts: { dir: string; taskQueue: string; dryRun?: boolean; uiUrl?: string }): Promise<SyncOutcome> {
  const desired = await loadCatalog(opts.dir);
  const found = await existingSchedules(client, desired.map((d) => d.scheduleId));
  const plan = planSync(desired, found.map((f) => f.existing), opts.taskQueue);
  if (!opts.dryRun) {
    for (const c of plan.changes) {
      await applyChange(client, c, desired.find((d) => d.scheduleId === c.scheduleId), found.find((f) => f.existing.scheduleId === c.scheduleId)?.existing, opts.taskQueue, opts.uiUrl);
    }
  }
  return { ...plan, dryRun: Boolean(opts.dryRun), catalog: opts.taskQueue, dir: opts.dir };
}
