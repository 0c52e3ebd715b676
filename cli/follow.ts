import readline from 'node:readline';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { DrillSpec } from '../drills/schema/index.js';
import type { DrillResult, JournalEntry, ProbeSegment } from '../report/result.js';
import { measureProbe } from '../workflows/measure.js';
import type { DrillInput, DrillStatus, GameDayResult, GameDayStatus, ScheduledStatus } from '../workflows/index.js';

// The live view of a run (`run --follow`, `status --follow`): phase, elapsed time, each probe's
// state and RTO clock, restore progress. The workflow's status query knows phases and finished
// timelines; what the probes see *now* is in the heartbeat of the running activity, read from
// describe(). Three renderings of the same change stream: a redrawn panel on a terminal, one
// line per change in a log, one JSON event per line with --json.

const POLL_MS = 500;

export type FollowEvent =
  | ({ event: 'journal'; workflowId: string } & JournalEntry)
  | { event: 'phase'; workflowId: string; phase: string; at: string }
  | { event: 'probe'; workflowId: string; probe: string; healthy: boolean; at: string; error?: string }
  | { event: 'rto'; workflowId: string; probe: string; state: 'recovered' | 'no impact' | 'breach'; rtoMs: number | null; resolutionMs: number; at: string }
  | { event: 'restore'; workflowId: string; done: number; total: number; at: string }
  | { event: 'detached'; workflowId: string; at: string };

export type FollowOutcome =
  | { kind: 'drill'; result: DrillResult }
  | { kind: 'gameday'; result: GameDayResult }
  | { kind: 'detached'; workflowId: string };

type AnyStatus = DrillStatus | ScheduledStatus | GameDayStatus;

/** One journal line, as the plain log has always printed it. */
export function entryLine(e: JournalEntry): string {
  return `${e.at.slice(11, 19)}  ${e.kind.padEnd(9)} ${e.message}${e.identity ? ` (${e.identity})` : ''}`;
}

export function printEntry(e: JournalEntry, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ event: 'journal', ...e })}\n`);
  else process.stdout.write(`${entryLine(e)}\n`);
}

export function formatMs(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Payloads as the client's data converter decodes them (codecs first, then the converter). */
export async function decodePayloads(client: Client, payloads: Payload[] | null | undefined): Promise<unknown[]> {
  if (!payloads?.length) return [];
  const dc = client.options.loadedDataConverter;
  let ps = payloads;
  for (const codec of [...dc.payloadCodecs].reverse()) ps = await codec.decode(ps);
  return ps.map((p) => dc.payloadConverter.fromPayload(p));
}

// ---------------------------------------------------------------------------------------------
// What one drill looks like right now

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
  inject?: { nodesDone: number; evicted: number };
}

interface ObserveCheckpoint { startedAt: number; probes: Record<string, ProbeSegment[]> }
interface Pending { observe?: ObserveCheckpoint; restore?: { done: number; total: number }; inject?: { nodesDone: number; evicted: number } }

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

/** A change as a log line, in the journal's format. */
export function eventLine(e: FollowEvent): string | undefined {
  const t = e.at.slice(11, 19);
  switch (e.event) {
    case 'journal': return entryLine(e);
    case 'probe': return `${t}  ${'probe'.padEnd(9)} ${e.probe}: ${e.healthy ? 'healthy' : `FAILING${e.error ? ` (${e.error})` : ''}`}`;
    case 'rto': return `${t}  ${'rto'.padEnd(9)} ${e.probe}: ${e.state === 'recovered' ? `recovered, RTO ${formatMs(e.rtoMs ?? 0)} ±${formatMs(e.resolutionMs)}` : e.state === 'breach' ? 'did not recover within the hold (breach)' : 'no impact'}`;
    case 'restore': return `${t}  ${'restore'.padEnd(9)} ${e.done}/${e.total} node(s) restored`;
    case 'detached': return `${t}  ${'detached'.padEnd(9)} the run continues: firedrill status ${e.workflowId} --follow`;
    case 'phase': return undefined; // the journal already says it
  }
}

/** The live panel for a terminal. Pure. */
export function panelLines(v: DrillView, nowMs: number): string[] {
  const rto = (p: ProbeView) => {
    const target = p.rto.targetMs !== undefined ? ` / target ${formatMs(p.rto.targetMs)}` : '';
    switch (p.rto.state) {
      case 'running': return `RTO clock ${formatMs(p.rto.ms ?? 0)}${target}`;
      case 'recovered': return `RTO ${formatMs(p.rto.ms ?? 0)} ±${formatMs(p.rto.resolutionMs)}${target}`;
      case 'breach': return `RTO BREACH: not recovered${target}`;
      case 'no impact': case 'no impact yet': return `no impact${p.rto.state === 'no impact yet' ? ' so far' : ''}`;
      default: return '';
    }
  };
  const t0 = v.t0 ? `  T0 +${formatMs(nowMs - Date.parse(v.t0))}` : '';
  const lines = [`▶ ${v.workflowId}  phase ${v.phase}  elapsed ${formatMs(v.elapsedMs)}${t0}`];
  const width = Math.max(8, ...v.probes.map((p) => p.name.length));
  for (const p of v.probes) {
    const state = p.healthy === null ? 'no data' : p.healthy ? 'healthy' : `FAILING ${p.since ? formatMs(nowMs - Date.parse(p.since)) : ''}`;
    lines.push(`  ${p.name.padEnd(width)}  ${state.padEnd(16)} ${rto(p)}${!p.healthy && p.error ? `  (${p.error.slice(0, 60)})` : ''}`);
  }
  if (v.inject) lines.push(`  ${'inject'.padEnd(width)}  ${v.inject.nodesDone} node(s) done, ${v.inject.evicted} pod(s) evicted`);
  if (v.restore) lines.push(`  ${'restore'.padEnd(width)}  ${v.restore.done}/${v.restore.total} node(s)`);
  lines.push('  Ctrl-C: abort the drill or detach');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The session: output, Ctrl-C, polling

export interface FollowOptions {
  json?: boolean;
  /** Defaults to stdout being a terminal. */
  tty?: boolean;
  /** Where the abort of Ctrl-C goes (the day for a game day); defaults to the followed run. */
  abortTarget?: string;
  identity: string;
  write?: (s: string) => void;
}

class Session {
  private panel = 0;
  detached = false;
  private wake: (() => void) | undefined;
  private prompting = false;

  constructor(private readonly client: Client, readonly opts: FollowOptions & { tty: boolean; write: (s: string) => void }, private readonly rootId: string) {}

  emit(e: FollowEvent): void {
    if (this.opts.json) { this.clearPanel(); this.opts.write(`${JSON.stringify(e)}\n`); return; }
    const line = eventLine(e);
    if (line === undefined) return;
    this.clearPanel();
    this.opts.write(`${line}\n`);
  }

  showPanel(lines: string[]): void {
    if (!this.opts.tty || this.opts.json || this.prompting) return;
    this.clearPanel();
    this.opts.write(`${lines.join('\n')}\n`);
    this.panel = lines.length;
  }

  clearPanel(): void {
    if (this.panel > 0) this.opts.write(`\x1b[${this.panel}F\x1b[J`);
    this.panel = 0;
  }

  /** Waits one poll interval, or less when the run ends or the user detaches. */
  async pause(done: Promise<unknown>): Promise<void> {
    await Promise.race([done.catch(() => undefined), new Promise<void>((r) => { this.wake = r; setTimeout(r, POLL_MS); })]);
  }

  private detach(): void {
    this.detached = true;
    this.clearPanel();
    this.emit({ event: 'detached', workflowId: this.rootId, at: new Date().toISOString() });
    this.wake?.();
  }

  readonly onSigint = (): void => {
    // Without a person at a terminal there is nobody to ask: detach, the run goes on.
    if (!process.stdin.isTTY || this.prompting) { this.detach(); return; }
    this.prompting = true;
    this.clearPanel();
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    rl.question('abort the drill or detach? [d/a] ', (answer) => {
      rl.close();
      this.prompting = false;
      if (answer.trim().toLowerCase().startsWith('a')) {
        const target = this.opts.abortTarget ?? this.rootId;
        this.client.workflow.getHandle(target).signal('abort', { identity: this.opts.identity, reason: 'aborted from the console (Ctrl-C)' })
          .then(() => process.stderr.write(`abort sent to ${target}; restore follows\n`))
          .catch((err: unknown) => process.stderr.write(`firedrill: abort failed: ${(err as Error).message}\n`));
      } else {
        this.detach();
      }
    });
  };
}

async function queryStatus<T>(handle: WorkflowHandle): Promise<T | undefined> {
  try {
    return await handle.query<T>('status');
  } catch {
    // Between workers, or not yet picked up: the next poll catches up.
    return undefined;
  }
}

async function startInput(client: Client, workflowId: string): Promise<DrillInput | undefined> {
  try {
    const h = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, maximumPageSize: 1 });
    const started = h.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    const [input] = await decodePayloads(client, started?.input?.payloads as Payload[] | undefined);
    return input as DrillInput | undefined;
  } catch {
    return undefined;
  }
}

async function pendingOf(client: Client, handle: WorkflowHandle): Promise<Pending> {
  const out: Pending = {};
  try {
    const d = await handle.describe();
    for (const a of d.raw.pendingActivities ?? []) {
      const [detail] = await decodePayloads(client, a.heartbeatDetails?.payloads as Payload[] | undefined);
      if (!detail) continue;
      const type = a.activityType?.name;
      if (type === 'observe') out.observe = detail as ObserveCheckpoint;
      else if (type === 'restoreNodes') out.restore = detail as Pending['restore'];
      else if (type === 'injectFault') out.inject = detail as Pending['inject'];
    }
  } catch {
    // The panel just misses one update.
  }
  return out;
}

async function followOneDrill(client: Client, session: Session, workflowId: string): Promise<DrillResult | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  const done = handle.result() as Promise<DrillResult>;
  let finished = false;
  void done.then(() => { finished = true; }, () => { finished = true; });
  const spec = (await startInput(client, workflowId))?.spec;
  const hold = new Map<string, ProbeSegment[]>();
  let seen = 0;
  let view: DrillView | undefined;
  let restored: { done: number; total: number } | undefined;
  const tick = async () => {
    const [s, pending] = await Promise.all([queryStatus<DrillStatus>(handle), pendingOf(client, handle)]);
    if (!s) return;
    const at = new Date().toISOString();
    const next = drillView(workflowId, s, pending, spec, hold, Date.now());
    // Between phases no probe reports: keep the last known state instead of "no data".
    next.probes = next.probes.map((p) => {
      const before = view?.probes.find((x) => x.name === p.name);
      return p.healthy === null && before ? { ...p, healthy: before.healthy, ...(before.since ? { since: before.since } : {}) } : p;
    });
    // Journal first (it names the phase), then what changed within it.
    for (const e of s.journal.slice(seen)) {
      session.emit({ event: 'journal', workflowId, ...e });
      if (e.kind === 'phase') session.emit({ event: 'phase', workflowId, phase: e.message.split(':')[0] ?? e.message, at: e.at });
    }
    seen = s.journal.length;
    for (const e of viewEvents(view, next, at)) session.emit(e);
    if (next.restore) restored = next.restore;
    view = next;
    session.showPanel(panelLines(next, Date.now()));
  };
  while (!finished && !session.detached) {
    await tick();
    await session.pause(done);
  }
  if (session.detached) return undefined;
  // The last entries ("done") are written after the final poll.
  await tick();
  session.clearPanel();
  const result = await done;
  // A quick restore ends before its first heartbeat: its outcome is in the result.
  const r = result.restore;
  if (r && (restored?.done !== r.nodes.filter((n) => n.restored).length || restored.total !== r.nodes.length)) {
    session.emit({ event: 'restore', workflowId, done: r.nodes.filter((n) => n.restored).length, total: r.nodes.length, at: r.endedAt });
  }
  return result;
}

/**
 * Follows a drill, a scheduled run or a game day until it ends (or the user detaches) and
 * returns its result. Ctrl-C asks whether to abort or detach (on a terminal; elsewhere detaches).
 */
export async function followRun(client: Client, workflowId: string, opts: FollowOptions): Promise<FollowOutcome> {
  const session = new Session(client, { ...opts, tty: opts.tty ?? Boolean(process.stdout.isTTY), write: opts.write ?? ((s) => process.stdout.write(s)) }, workflowId);
  process.on('SIGINT', session.onSigint);
  try {
    const handle = client.workflow.getHandle(workflowId);
    const done = handle.result();
    let finished = false;
    void done.then(() => { finished = true; }, () => { finished = true; });
    let status: AnyStatus | undefined;
    while (!status && !finished && !session.detached) {
      status = await queryStatus<AnyStatus>(handle);
      if (!status) await session.pause(done);
    }
    if (session.detached) return { kind: 'detached', workflowId };
    const kind = status && 'kind' in status ? status.kind : 'drill';
    if (kind === 'drill') {
      const r = await followOneDrill(client, session, workflowId);
      return r ? { kind: 'drill', result: r } : { kind: 'detached', workflowId };
    }
    if (kind === 'scheduled') {
      for (;;) {
        const s = await queryStatus<ScheduledStatus>(handle);
        if (s?.childWorkflowId) {
          const r = await followOneDrill(client, session, s.childWorkflowId);
          return r ? { kind: 'drill', result: r } : { kind: 'detached', workflowId };
        }
        if (finished) {
          const r = (await done) as DrillResult;
          for (const e of r.journal) session.emit({ event: 'journal', workflowId, ...e });
          return { kind: 'drill', result: r };
        }
        if (session.detached) return { kind: 'detached', workflowId };
        await session.pause(done);
      }
    }
    // A game day: its own journal, and each drill in turn.
    const followed = new Set<string>();
    let seen = 0;
    for (;;) {
      const s = await queryStatus<GameDayStatus>(handle);
      if (s) {
        for (const e of s.journal.slice(seen)) session.emit({ event: 'journal', workflowId, ...e });
        seen = s.journal.length;
        const cur = s.current?.workflowId;
        if (cur && !followed.has(cur)) {
          followed.add(cur);
          await followOneDrill(client, session, cur);
          continue;
        }
      }
      if (session.detached) return { kind: 'detached', workflowId };
      if (finished && s?.phase === 'done') break;
      if (finished && !s) break;
      await session.pause(done);
    }
    return { kind: 'gameday', result: (await done) as GameDayResult };
  } finally {
    process.off('SIGINT', session.onSigint);
    session.clearPanel();
  }
}

export function gameDaySummaryLines(r: GameDayResult): string[] {
  return [
    `game day: ${r.day.name} (${r.drills.length} drill(s))`,
    `run:      ${r.run.workflowId}`,
    `outcome:  ${r.outcome.toUpperCase()}: ${r.outcomeReason}`,
    ...r.drills.map((d, i) => `  ${i + 1}. ${d.name}: ${d.outcome.toUpperCase()}${d.objectives.total ? ` (${d.objectives.met}/${d.objectives.total} objectives met)` : ''}${d.outcome === 'skipped' || d.outcome === 'refused' || d.outcome === 'error' ? `: ${d.outcomeReason}` : ''}`),
  ];
}
