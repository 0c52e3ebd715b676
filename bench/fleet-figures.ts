// The fleet benchmark's arithmetic, kept pure so it is tested without a stack: CPU from
// /proc/<pid>/stat, task latencies from a history, per-drill figures of a round, and the
// judgement of where one worker stops keeping up.

/** Clock ticks per second of /proc/<pid>/stat on Linux (USER_HZ; 100 on every common kernel). */
export const USER_HZ = 100;

/** utime + stime of a /proc/<pid>/stat line, in seconds (all threads: the SDK's Rust core too). */
export function cpuSecondsFromStat(stat: string): number {
  // The command name in field 2 may hold spaces and parentheses: count from the last ")".
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return (utime + stime) / USER_HZ;
}

export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? null;
}

// Event types of temporal.api.enums.v1.EventType used here.
const WORKFLOW_TASK_SCHEDULED = 5;
const WORKFLOW_TASK_STARTED = 6;
export const ACTIVITY_TASK_SCHEDULED = 10;
export const ACTIVITY_TASK_STARTED = 11;

/** A protobuf Timestamp (seconds as a number or a Long) in epoch milliseconds. */
export interface Timestamp { seconds?: { toString(): string } | number | null; nanos?: number | null }
export function tsMs(t: Timestamp): number {
  return Number(String(t.seconds ?? 0)) * 1000 + Math.round((t.nanos ?? 0) / 1e6);
}

export interface HistoryEvent {
  eventId?: { toString(): string } | number | null;
  eventType?: number | null;
  eventTime?: Timestamp | null;
  workflowTaskStartedEventAttributes?: { scheduledEventId?: { toString(): string } | number | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: { toString(): string } | number | null } | null;
}

export interface TaskLatency {
  /** Workflow tasks: scheduled → started (waiting for a poller and a free slot). */
  workflowTaskMs: number[];
  /** Activity tasks: scheduled → started (the started event is written at completion, with the start time). */
  activityTaskMs: number[];
  firstEventMs: number | null;
  /** The first workflow task started: when a worker first ran the workflow. */
  firstWorkflowTaskStartedMs: number | null;
  /** The first activity started (preflight, for a drill): when a worker first did its work. */
  firstActivityStartedMs: number | null;
}

const id = (v: { toString(): string } | number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** Schedule-to-start latency of every workflow and activity task in a history. */
export function taskLatency(events: readonly HistoryEvent[]): TaskLatency {
  const scheduled = new Map<string, number>();
  const out: TaskLatency = { workflowTaskMs: [], activityTaskMs: [], firstEventMs: null, firstWorkflowTaskStartedMs: null, firstActivityStartedMs: null };
  for (const e of events) {
    const at = e.eventTime ? tsMs(e.eventTime) : NaN;
    if (out.firstEventMs === null && Number.isFinite(at)) out.firstEventMs = at;
    if (e.eventType === WORKFLOW_TASK_SCHEDULED || e.eventType === ACTIVITY_TASK_SCHEDULED) scheduled.set(id(e.eventId), at);
    if (e.eventType === WORKFLOW_TASK_STARTED) {
      if (out.firstWorkflowTaskStartedMs === null) out.firstWorkflowTaskStartedMs = at;
      const s = scheduled.get(id(e.workflowTaskStartedEventAttributes?.scheduledEventId));
      if (s !== undefined) out.workflowTaskMs.push(at - s);
    }
    if (e.eventType === ACTIVITY_TASK_STARTED) {
      if (out.firstActivityStartedMs === null || at < out.firstActivityStartedMs) out.firstActivityStartedMs = at;
      const s = scheduled.get(id(e.activityTaskStartedEventAttributes?.scheduledEventId));
      if (s !== undefined) out.activityTaskMs.push(at - s);
    }
  }
  return out;
}

export interface Counters {
  inserted: number;
  updated: number;
  deleted: number;
}

export interface RoundInput {
  drills: number;
  workers: number;
  wallSeconds: number;
  /** CPU seconds of each worker process over the round. */
  cpuSeconds: number[];
  /** VmRSS of each worker when the round began, and its VmHWM at the end. */
  readyRssMb: number[];
  peakRssMb: number[];
  /** RSS of an idle worker before the first round: a worker keeps what it grew in earlier rounds. */
  idleRssMb: number;
  /** PostgreSQL row counters (both Temporal databases) over the round, and the idle rate before it. */
  rows: Counters;
  /** The time between the two row readings (the round plus the wait for the statistics flush). */
  rowsSeconds: number;
  idleRowsPerSecond: number;
}

export interface RoundFigures {
  cpuSecondsTotal: number;
  cpuSecondsPerDrill: number;
  /** Worker CPU over the round's wall time, in cores (1.0 = one core busy the whole round). */
  cpuCores: number;
  peakRssMb: number;
  rssGrowthMb: number;
  rssGrowthPerDrillMb: number;
  /** The workers' peaks less an idle worker's RSS each, per drill. */
  peakOverIdlePerDrillMb: number;
  rowsWrittenPerDrill: number;
  /** Rows written per drill once the server's idle writes over the same time are taken off. */
  rowsWrittenPerDrillNet: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

export function roundFigures(r: RoundInput): RoundFigures {
  const cpu = sum(r.cpuSeconds);
  const growth = sum(r.peakRssMb.map((p, i) => p - (r.readyRssMb[i] ?? p)));
  const written = r.rows.inserted + r.rows.updated + r.rows.deleted;
  const idle = r.idleRowsPerSecond * r.rowsSeconds;
  return {
    cpuSecondsTotal: r2(cpu),
    cpuSecondsPerDrill: r2(cpu / r.drills),
    cpuCores: r2(cpu / Math.max(1, r.wallSeconds)),
    peakRssMb: r1(Math.max(...r.peakRssMb)),
    rssGrowthMb: r1(growth),
    rssGrowthPerDrillMb: r2(growth / r.drills),
    peakOverIdlePerDrillMb: r2((sum(r.peakRssMb) - r.idleRssMb * r.peakRssMb.length) / r.drills),
    rowsWrittenPerDrill: Math.round(written / r.drills),
    rowsWrittenPerDrillNet: Math.round(Math.max(0, written - idle) / r.drills),
  };
}

export interface Health {
  drills: number;
  workers: number;
  /** Drills that ended passed (a clean cordon with healthy probes passes). */
  passed: number;
  /** Worst probe coverage of the hold across the round's drills (1 = every tick observed). */
  worstCoverage: number | null;
  longestGapMs: number | null;
  workflowTaskP95Ms: number | null;
  activityTaskMaxMs: number | null;
  cpuCores: number;
  /** Schedule fire → the scheduled drill's first activity (its first workflow task when it has none). */
  scheduleLatenessMs: number | null;
}

/**
 * Why a round shows the worker(s) no longer keeping up, or [] when it does: drills not
 * passing, probes missing ticks, tasks queueing for seconds, a worker's JS thread busy most of
 * the time. The thresholds are what a drill notices: a probe tick is 1 s, a heartbeat 1 s.
 */
export function overload(h: Health): string[] {
  const out: string[] = [];
  if (h.passed < h.drills) out.push(`${h.drills - h.passed} of ${h.drills} drills did not pass`);
  if (h.worstCoverage !== null && h.worstCoverage < 0.98) out.push(`probe coverage down to ${Math.round(h.worstCoverage * 1000) / 10} %`);
  if (h.longestGapMs !== null && h.longestGapMs > 2500) out.push(`a probe went ${h.longestGapMs} ms without an observation`);
  if (h.workflowTaskP95Ms !== null && h.workflowTaskP95Ms > 1000) out.push(`workflow tasks waited ${h.workflowTaskP95Ms} ms (p95) to start`);
  if (h.activityTaskMaxMs !== null && h.activityTaskMaxMs > 5000) out.push(`an activity waited ${h.activityTaskMaxMs} ms to start`);
  if (h.cpuCores / h.workers > 0.8) out.push(`worker CPU at ${h.cpuCores} cores for ${h.workers} worker(s)`);
  if (h.scheduleLatenessMs !== null && h.scheduleLatenessMs > 5000) out.push(`the scheduled drill started ${h.scheduleLatenessMs} ms late`);
  return out;
}

/** Busy and total clock ticks of the whole machine, from the first line of /proc/stat. */
export function machineTicks(procStat: string): { busy: number; total: number; steal: number } {
  const fields = (procStat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = fields.slice(0, 8).reduce((s, x) => s + (Number.isFinite(x) ? x : 0), 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  // Steal is time the hypervisor gave another guest: busy for this machine, but not its work.
  return { busy: total - idle, total, steal: fields[7] ?? 0 };
}

/** Parent pid and, with the children it has waited for, CPU seconds of a /proc/<pid>/stat line. */
export function statParts(stat: string): { ppid: number; cpuSeconds: number; childrenCpuSeconds: number } {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(rest[1]),
    cpuSeconds: cpuSecondsFromStat(stat),
    childrenCpuSeconds: (Number(rest[13]) + Number(rest[14])) / USER_HZ,
  };
}
