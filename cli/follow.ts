import type { Client } from '@temporalio/client';
import { abortRun } from '../client/drills.js';
import { followRun, type FollowOutcome, type FollowSink } from '../client/follow.js';
import type { DrillView, FollowEvent, ProbeView } from '../client/follow-view.js';
import type { JournalEntry } from '../report/result.js';

// The live view of a run in a terminal (`run --follow`, `status --follow`): phase, elapsed time,
// each probe's state and RTO clock, restore progress. Three renderings of the same change
// stream (client/follow.ts): a redrawn panel on a terminal, one line per change in a log, one
// JSON event per line with --json.

const POLL_MS = 500;

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
  if (v.inject) {
    lines.push(`  ${'inject'.padEnd(width)}  ${v.inject.nodesDone} node(s) done, ${v.inject.evicted} pod(s) evicted`);
    const w = v.inject.waitingOn;
    if (w) lines.push(`  ${''.padEnd(width)}  waiting on PodDisruptionBudget ${w.budget ?? '(unnamed)'} for ${w.pod}${(v.inject.blocked ?? 0) > 1 ? ` and ${(v.inject.blocked ?? 0) - 1} more pod(s)` : ''}`);
  }
  if (v.restore) lines.push(`  ${'restore'.padEnd(width)}  ${v.restore.done}/${v.restore.total} node(s)`);
  lines.push('  Ctrl-C: abort the drill or detach');
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The terminal session: output and Ctrl-C

export interface FollowOptions {
  json?: boolean;
  /** Defaults to stdout being a terminal. */
  tty?: boolean;
  /** Where the abort of Ctrl-C goes (the day for a game day); defaults to the followed run. */
  abortTarget?: string;
  identity: string;
  write?: (s: string) => void;
}

/** The question Ctrl-C asks, as the last line of the panel (or alone, outside a panel). */
export const PROMPT = 'Ctrl-C: abort the drill (restores every node) or detach (it keeps running)? [a/d] ';

class Session implements FollowSink {
  private panel = 0;
  private lastView: DrillView | undefined;
  detached = false;
  private wake: (() => void) | undefined;
  private prompting = false;
  private keyListener: ((key: Buffer) => void) | undefined;

  constructor(private readonly client: Client, readonly opts: FollowOptions & { tty: boolean; write: (s: string) => void }, private readonly rootId: string) {}

  emit(e: FollowEvent): void {
    if (this.opts.json) { this.clearPanel(); this.opts.write(`${JSON.stringify(e)}\n`); this.redraw(); return; }
    const line = eventLine(e);
    if (line === undefined) return;
    // Lines go above the panel (and its prompt), never over them.
    this.clearPanel();
    this.opts.write(`${line}\n`);
    this.redraw();
  }

  showView(v: DrillView): void {
    this.lastView = v;
    this.redraw();
  }

  /** The panel with the prompt as its last line while Ctrl-C waits for an answer. */
  private redraw(): void {
    const panelMode = this.opts.tty && !this.opts.json;
    if (!panelMode) return;
    const lines = this.lastView ? panelLines(this.lastView, Date.now()) : [];
    if (this.prompting) lines.splice(lines.length ? -1 : 0, lines.length ? 1 : 0, PROMPT);
    this.clearPanel();
    if (!lines.length) return;
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
    this.endPrompt();
    this.detached = true;
    this.clearPanel();
    this.emit({ event: 'detached', workflowId: this.rootId, at: new Date().toISOString() });
    this.wake?.();
  }

  private abort(): void {
    this.endPrompt();
    const target = this.opts.abortTarget ?? this.rootId;
    this.clearPanel();
    process.stderr.write(`sending abort to ${target}; following it until every node is restored\n`);
    this.redraw();
    abortRun(this.client, target, this.opts.identity, 'aborted from the console (Ctrl-C)')
      .catch((err: unknown) => process.stderr.write(`firedrill: abort failed: ${(err as Error).message}\n`));
  }

  private endPrompt(): void {
    if (!this.prompting) return;
    this.prompting = false;
    if (this.keyListener) process.stdin.off('data', this.keyListener);
    this.keyListener = undefined;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    this.redraw();
  }

  readonly onSigint = (): void => {
    // Without a person at a terminal there is nobody to ask: detach, the run goes on.
    if (!process.stdin.isTTY) { this.detach(); return; }
    this.prompting = true;
    // One key answers; in raw mode a second Ctrl-C arrives as a key, and means detach.
    process.stdin.setRawMode(true);
    process.stdin.resume();
    this.keyListener = (key: Buffer) => {
      const k = key.toString('utf8').toLowerCase();
      if (k.startsWith('a')) this.abort();
      else if (k.startsWith('d') || k === '\x03' || k === '\x04') this.detach();
      else if (k === '\x1b') this.endPrompt();
    };
    process.stdin.on('data', this.keyListener);
    if (this.opts.tty && !this.opts.json) this.redraw();
    else process.stderr.write(PROMPT);
  };

  close(): void {
    this.endPrompt();
    this.clearPanel();
  }
}

/**
 * Follows a drill, a scheduled run or a game day until it ends (or the user detaches) and
 * returns its result. Ctrl-C asks whether to abort or detach (on a terminal; elsewhere detaches).
 */
export async function followInTerminal(client: Client, workflowId: string, opts: FollowOptions): Promise<FollowOutcome> {
  const session = new Session(client, { ...opts, tty: opts.tty ?? Boolean(process.stdout.isTTY), write: opts.write ?? ((s) => process.stdout.write(s)) }, workflowId);
  process.on('SIGINT', session.onSigint);
  try {
    return await followRun(client, workflowId, session);
  } finally {
    process.off('SIGINT', session.onSigint);
    session.close();
  }
}
