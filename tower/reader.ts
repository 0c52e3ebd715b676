import type { Client, WorkflowHandle } from '@temporalio/client';
import { pendingOf, startInput } from '../client/follow.js';
import { drillView, type DrillView, type ObserveCheckpoint, type Pending } from '../client/follow-view.js';
import type { GameDayResult } from '../report/gameday-result.js';
import type { DrillResult, PlanSummary, ProbeSegment } from '../report/result.js';
import {
  anyStatusQuery,
  type DrillInput, type DrillStatus, type GameDayInput, type GameDayStatus, type ScheduledDrillInput, type ScheduledStatus,
} from '../workflows/contract.js';
import { BoundedMap } from './bounded-map.js';
import { readRunHistory, type ObservedPhase } from './history-events.js';
import { listRecentlyClosed, listRunning, refOf, type RunRef } from './runs.js';

// Everything the tower shows about runs, read from Temporal on every call: visibility for the
// list, the status query for the phase and journal, the running activity's heartbeat for what
// the probes see now, and the history for the census and finished observations. The only
// memory is a cache of facts that cannot change once known.

export interface DrillSnapshot {
  kind: 'drill';
  ref: RunRef;
  input?: DrillInput;
  status?: DrillStatus;
  view?: DrillView;
  census?: PlanSummary;
  /** The heartbeat of the running observation, for the live chart. */
  live?: ObserveCheckpoint;
  /** Finished observations (detail reads only). */
  observed?: ObservedPhase[];
  result?: DrillResult;
}

export interface GameDaySnapshot {
  kind: 'gameday';
  ref: RunRef;
  input?: GameDayInput;
  status?: GameDayStatus;
  result?: GameDayResult;
}

export interface ScheduledSnapshot {
  kind: 'scheduled';
  ref: RunRef;
  input?: ScheduledDrillInput;
  status?: ScheduledStatus;
  result?: DrillResult;
}

export type RunSnapshot = DrillSnapshot | GameDaySnapshot | ScheduledSnapshot;

export interface NowSnapshot {
  running: RunSnapshot[];
  recent: RunSnapshot[];
  at: string;
}

const HOLD_DONE = new Set(['restore', 'failback']);

export class TowerReader {
  private readonly inputs = new BoundedMap<string, unknown>(500);
  private readonly census = new BoundedMap<string, PlanSummary>(500);
  private readonly holds = new BoundedMap<string, Map<string, ProbeSegment[]>>(200);
  private readonly results = new BoundedMap<string, DrillResult | GameDayResult | null>(500);

  constructor(readonly client: Client, readonly taskQueue: string) {}

  private async inputOf<T>(ref: RunRef): Promise<T | undefined> {
    if (this.inputs.has(ref.runId)) return this.inputs.get(ref.runId) as T;
    const input = await startInput(this.client, ref.workflowId);
    if (input) this.inputs.set(ref.runId, input);
    return input as T | undefined;
  }

  /** The result of a closed run (null when it closed without one: failed, terminated). */
  private async resultOf<T extends DrillResult | GameDayResult>(ref: RunRef, handle: WorkflowHandle): Promise<T | undefined> {
    if (this.results.has(ref.runId)) return (this.results.get(ref.runId) ?? undefined) as T | undefined;
    if (ref.status !== 'COMPLETED') {
      this.results.set(ref.runId, null);
      return undefined;
    }
    try {
      const r = (await handle.result()) as T;
      this.results.set(ref.runId, r);
      return r;
    } catch {
      return undefined;
    }
  }

  private async query(handle: WorkflowHandle): Promise<DrillStatus | GameDayStatus | ScheduledStatus | undefined> {
    try {
      return await handle.query(anyStatusQuery);
    } catch {
      // Not picked up yet, or between workers: shown as "no answer", the next update catches up.
      return undefined;
    }
  }

  async snapshot(ref: RunRef, opts: { detail?: boolean; nowMs?: number } = {}): Promise<RunSnapshot> {
    const nowMs = opts.nowMs ?? Date.now();
    const handle = this.client.workflow.getHandle(ref.workflowId, ref.runId);
    const running = ref.status === 'RUNNING';
    if (ref.kind === 'gameday') {
      const [input, status] = await Promise.all([this.inputOf<GameDayInput>(ref), running ? this.query(handle) : undefined]);
      const result = running ? undefined : await this.resultOf<GameDayResult>(ref, handle);
      return { kind: 'gameday', ref, ...(input ? { input } : {}), ...(status ? { status: status as GameDayStatus } : {}), ...(result ? { result } : {}) };
    }
    if (ref.kind === 'scheduled') {
      const [input, status] = await Promise.all([this.inputOf<ScheduledDrillInput>(ref), running ? this.query(handle) : undefined]);
      const result = running ? undefined : await this.resultOf<DrillResult>(ref, handle);
      return { kind: 'scheduled', ref, ...(input ? { input } : {}), ...(status ? { status: status as ScheduledStatus } : {}), ...(result ? { result } : {}) };
    }
    const [input, status, pending] = await Promise.all([
      this.inputOf<DrillInput>(ref),
      running ? this.query(handle) as Promise<DrillStatus | undefined> : undefined,
      running ? pendingOf(this.client, handle) : Promise.resolve<Pending>({}),
    ]);
    // An observation that has just started reports empty timelines: the last finished one says more.
    if (pending.observe) {
      const probes = Object.fromEntries(Object.entries(pending.observe.probes).filter(([, segs]) => segs.length));
      pending.observe = { ...pending.observe, probes };
    }
    const snap: DrillSnapshot = { kind: 'drill', ref, ...(input ? { input } : {}), ...(status ? { status } : {}), ...(pending.observe ? { live: pending.observe } : {}) };
    if (!running) {
      const result = await this.resultOf<DrillResult>(ref, handle);
      if (result) {
        snap.result = result;
        if (result.plan) snap.census = result.plan;
      }
    }
    // History is read for the detail page always, and for the list until the census is known.
    const cachedCensus = this.census.get(ref.runId);
    if (cachedCensus) snap.census = cachedCensus;
    if (opts.detail || (!snap.census && running && status && status.phase !== 'preflight' && status.phase !== 'starting')) {
      try {
        const h = await readRunHistory(this.client, ref.workflowId, ref.runId);
        if (h.census) {
          snap.census = h.census;
          this.census.set(ref.runId, h.census);
        }
        if (opts.detail) snap.observed = h.observed;
        const hold = h.observed.find((o) => o.mode === 'hold');
        if (hold) this.holds.set(ref.runId, new Map(hold.result.probes.map((p) => [p.name, p.segments])));
      } catch {
        // The page shows the census as unknown for one update.
      }
    }
    if (status) {
      if (HOLD_DONE.has(status.phase) && status.probes.length && !this.holds.has(ref.runId)) {
        this.holds.set(ref.runId, new Map(status.probes.map((p) => [p.name, p.segments])));
      }
      const hold = new Map(this.holds.get(ref.runId) ?? []);
      snap.view = drillView(ref.workflowId, status, pending, input?.spec, hold, nowMs);
    }
    return snap;
  }

  /** Every running run of the task queue, and those that closed in the last day. */
  async now(nowMs = Date.now()): Promise<NowSnapshot> {
    const [running, recent] = await Promise.all([
      listRunning(this.client, this.taskQueue),
      listRecentlyClosed(this.client, this.taskQueue, 24 * 3_600_000, 20, nowMs),
    ]);
    // A scheduled run's drill is listed on its own; the wrapper adds nothing while it runs one.
    const children = new Set(running.filter((r) => r.parentWorkflowId).map((r) => r.parentWorkflowId));
    const shown = running.filter((r) => !(r.kind === 'scheduled' && children.has(r.workflowId)));
    return {
      running: await Promise.all(shown.map((r) => this.snapshot(r, { nowMs }))),
      recent: await Promise.all(recent.map((r) => this.snapshot(r, { nowMs }))),
      at: new Date(nowMs).toISOString(),
    };
  }

  /** One run by workflow id (its latest execution), with its history; undefined when unknown. */
  async run(workflowId: string, nowMs = Date.now()): Promise<RunSnapshot | undefined> {
    let d;
    try {
      d = await this.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
      throw err;
    }
    const ref = refOf(d);
    return this.snapshot(ref, { detail: true, nowMs });
  }
}
