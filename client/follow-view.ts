import type { DrillSpec } from '../drills/schema/index.js';
import type { JournalEntry, ProbeSegment } from '../report/result.js';
import type { DrillStatus } from '../workflows/contract.js';
import { measureProbe } from '../workflows/measure.js';

// What one drill looks like right now, and what changed since the last look: pure functions of
// the status query, the running activity's heartbeat and the spec, shared by every live view
// (the terminal's --follow, the tower).

export type FollowEvent =
  | ({ event: 'journal'; workflowId: string } & JournalEntry)
  | { event: 'phase'; workflowId: string; phase: string; at: string }
  | { event: 'probe'; workflowId: string; probe: string; healthy: boolean; at: string; error?: string }
  | { event: 'rto'; workflowId: string; probe: string; state: 'recovered' | 'no impact' | 'breach'; rtoMs: number | null; resolutionMs: number; at: string }
  | { event: 'restore'; workflowId: string; done: number; total: number; at: string }
  | { event: 'detached'; workflowId: string; at: string };

export interface ProbeView {
  name: string;
  healthy: boolean | null;
  since?: string;
  error?: string;
  /** The RTO clock: running while impact is not yet recovered, stopped once measured. */
  rto: { state: 'waiting' | 'no impact yet' | 'running' | 'recovered' | 'no impact' | 'breach'; ms: number | null; resolutionMs: number; targetMs?: number };
}

export interface DrillView {
  workflowId: string;
  phase: string;
  startedAt: string;
  elapsedMs: number;
  t0: string | null;
  approvedBy?: string;
  probes: ProbeView[];
  restore?: { done: number; total: number };
  inject?: InjectProgress;
}

export interface ObserveCheckpoint { startedAt: number; probes: Record<string, ProbeSegment[]> }
/** The inject activity's heartbeat: how far it got, and which pod a PodDisruptionBudget holds. */
export interface InjectProgress { nodesDone: number; evicted: number; blocked?: number; waitingOn?: { pod: string; budget?: string } }

export interface Pending { observe?: ObserveCheckpoint; restore?: { done: number; total: number }; inject?: InjectProgress }

const HOLD_PHASES = new Set(['inject', 'hold']);
const AFTER_HOLD = new Set(['restore', 'failback', 'report', 'done']);

/** The view of one drill from its status, its live heartbeats and its spec. Pure. */
export function drillView(workflowId: string, s: DrillStatus, pending: Pending, spec: DrillSpec | undefined, holdSegments: Map<string, ProbeSegment[]>, nowMs: number): DrillView {
  const live = pending.observe?.probes;
  const names = spec?.probes.map((p) => p.name) ?? [...new Set([...Object.keys(live ?? {}), ...s.probes.map((p) => p.name)])];
  // The hold's timeline: live during inject/hold, the finished one afterwards.
  if (HOLD_PHASES.has(s.phase) && live) for (const [n, segs] of Object.entries(live)) holdSegments.set(n, segs);
  if (s.phase === 'restore' && s.probes.length) for (const p of s.probes) holdSegments.set(p.name, p.segments);
  const t0 = s.t0 ? Date.parse(s.t0) : null;
  const probes = names.map((name): ProbeView => {
    const p = spec?.probes.find((x) => x.name === name);
    const segs = live?.[name] ?? s.probes.find((x) => x.name === name)?.segments ?? [];
    const last = segs.at(-1);
    let from = last;
    for (let i = segs.length - 1; i >= 0 && segs[i]?.healthy === last?.healthy; i--) from = segs[i];
    const target = spec?.objectives.find((o) => o.type === 'rto' && o.probe === name) ?? spec?.objectives.find((o) => o.type === 'rto' && o.probe === undefined);
    const resolutionMs = p?.interval ?? 1000;
    const rto: ProbeView['rto'] = { state: 'waiting', ms: null, resolutionMs, ...(target && 'target' in target ? { targetMs: target.target } : {}) };
    const hold = holdSegments.get(name);
    if (t0 !== null && hold?.length) {
      const m = measureProbe({ name, type: p?.type ?? 'http', intervalMs: resolutionMs, stableForMs: p?.tolerance.stableFor ?? 0, segments: hold }, t0, null, null);
      const ended = AFTER_HOLD.has(s.phase);
      if (m.impact && m.recovered) Object.assign(rto, { state: 'recovered', ms: m.rtoMs });
      else if (m.impact) Object.assign(rto, ended ? { state: 'breach', ms: null } : { state: 'running', ms: nowMs - t0 });
      else Object.assign(rto, { state: ended ? 'no impact' : 'no impact yet', ms: null });
    }
    return {
      name, healthy: last ? last.healthy : null,
      ...(from ? { since: from.from } : {}),
      ...(last && !last.healthy && last.error ? { error: last.error } : {}),
      rto,
    };
  });
  return {
    workflowId, phase: s.phase, startedAt: s.startedAt, elapsedMs: nowMs - Date.parse(s.startedAt), t0: s.t0,
    ...(s.approvedBy ? { approvedBy: s.approvedBy } : {}),
    probes,
    ...(pending.restore ? { restore: pending.restore } : {}),
    ...(pending.inject && s.phase === 'inject' ? { inject: pending.inject } : {}),
  };
}

/** The changes between two views, as events. Pure. */
export function viewEvents(prev: DrillView | undefined, next: DrillView, at: string): FollowEvent[] {
  const out: FollowEvent[] = [];
  const workflowId = next.workflowId;
  for (const p of next.probes) {
    const before = prev?.probes.find((x) => x.name === p.name);
    if (p.healthy !== null && before?.healthy !== p.healthy) {
      out.push({ event: 'probe', workflowId, probe: p.name, healthy: p.healthy, at: p.since ?? at, ...(p.error ? { error: p.error } : {}) });
    }
    const final = (st: string) => st === 'recovered' || st === 'no impact' || st === 'breach';
    if (final(p.rto.state) && before?.rto.state !== p.rto.state) {
      out.push({ event: 'rto', workflowId, probe: p.name, state: p.rto.state as 'recovered' | 'no impact' | 'breach', rtoMs: p.rto.ms, resolutionMs: p.rto.resolutionMs, at });
    }
  }
  if (next.restore && (prev?.restore?.done !== next.restore.done || prev?.restore?.total !== next.restore.total)) {
    out.push({ event: 'restore', workflowId, done: next.restore.done, total: next.restore.total, at });
  }
  return out;
}

