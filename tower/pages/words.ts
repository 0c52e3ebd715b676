import type { ProbeView } from '../../client/follow-view.js';
import { escapeHtml } from '../../report/escape.js';
import { formatDuration, formatMeasuredMs } from '../../report/format.js';
import type { PlanSummary } from '../../report/result.js';
import { OUTCOME_LABEL } from '../../report/verdict.js';
import type { Outcome } from '../../report/result.js';

// Every state the tower shows is a word and a shape, colour only a third signal: a page read
// in grey, by a screen reader or on a bad projector says the same.

type Tone = 'good' | 'bad' | 'warn' | 'info' | 'idle';

/** A state badge: the symbol is decoration (hidden from screen readers), the word is the state. */
export function badge(symbol: string, word: string, tone: Tone, extra = ''): string {
  return `<span class="badge tone-${tone}${extra ? ` ${extra}` : ''}"><span class="sym" aria-hidden="true">${escapeHtml(symbol)}</span> ${escapeHtml(word)}</span>`;
}

const PHASE_WORDS: Record<string, [string, string, Tone]> = {
  starting: ['○', 'starting', 'idle'],
  preflight: ['◔', 'preflight: census', 'info'],
  approval: ['◆', 'waiting for approval', 'warn'],
  baseline: ['◑', 'baseline', 'info'],
  inject: ['▲', 'injecting the fault', 'bad'],
  hold: ['■', 'holding the fault', 'bad'],
  restore: ['↺', 'restoring', 'warn'],
  failback: ['◕', 'failback', 'info'],
  report: ['✎', 'writing the report', 'info'],
  done: ['✓', 'done', 'good'],
  // Game days and scheduled runs.
  drill: ['▶', 'running a drill', 'info'],
  pause: ['‖', 'pause between drills', 'idle'],
  checking: ['◔', 'checking blackouts', 'info'],
  skipped: ['○', 'skipped', 'idle'],
  running: ['▶', 'running its drill', 'info'],
};

export function phaseBadge(phase: string | undefined): string {
  if (!phase) return badge('?', 'no answer from the run yet', 'idle');
  const [sym, word, tone] = PHASE_WORDS[phase] ?? ['•', phase, 'info' as Tone];
  return badge(sym, word, tone, 'phase');
}

export function probeBadge(p: Pick<ProbeView, 'healthy' | 'error'>): string {
  if (p.healthy === null) return badge('○', 'no data yet', 'idle');
  return p.healthy ? badge('●', 'healthy', 'good') : badge('▲', 'failing', 'bad');
}

export function rtoBadge(r: ProbeView['rto']): string {
  const target = r.targetMs !== undefined ? ` (target ≤ ${formatDuration(r.targetMs)})` : '';
  switch (r.state) {
    case 'waiting': return badge('…', `waiting for the fault${target}`, 'idle');
    case 'no impact yet': return badge('–', `no impact so far${target}`, 'good');
    case 'running': return badge('⏱', `RTO clock running: ${formatDuration(r.ms ?? 0)}${target}`, 'bad', 'rto-running');
    case 'recovered': {
      const over = r.targetMs !== undefined && (r.ms ?? 0) > r.targetMs;
      return badge(over ? '✗' : '✓', `recovered: RTO ${formatMeasuredMs(r.ms ?? 0, r.resolutionMs)}${target}`, over ? 'bad' : 'good');
    }
    case 'no impact': return badge('–', `no impact${target}`, 'good');
    case 'breach': return badge('✗', `not recovered (breach)${target}`, 'bad');
  }
}

export function censusBadge(c: PlanSummary | undefined, phase: string | undefined): string {
  if (!c) return phase === 'starting' || phase === 'preflight' || phase === undefined ? badge('…', 'census pending', 'idle') : badge('?', 'census not known', 'idle');
  const where = `${c.targetNodes.length} target node(s) of ${c.clusterNodes}`;
  return c.verdict.allowed
    ? badge('✓', `allowed: ${where}`, 'good')
    : badge('✗', `refused: ${c.verdict.reasons.join('; ') || where}`, 'bad');
}

export function outcomeBadge(o: Outcome | undefined, status: string): string {
  if (!o) {
    if (status === 'COMPLETED') return badge('?', 'completed, no result', 'idle');
    return badge('!', status.toLowerCase().replace(/_/g, ' '), status === 'RUNNING' ? 'info' : 'bad');
  }
  const l = OUTCOME_LABEL[o];
  const tone: Tone = o === 'passed' ? 'good' : o === 'failed' || o === 'error' ? 'bad' : 'warn';
  return badge(l.symbol, l.word.toLowerCase(), tone);
}

export function restoreText(r: { done: number; total: number } | undefined): string {
  if (!r) return '—';
  return r.done >= r.total ? badge('✓', `${r.done} of ${r.total} node(s) restored`, 'good') : badge('↺', `${r.done} of ${r.total} node(s) restored`, 'warn');
}

/** "4 min 12 s"; "—" without a start. */
export function elapsed(fromIso: string | undefined, toMs: number): string {
  const from = fromIso ? Date.parse(fromIso) : Number.NaN;
  return Number.isFinite(from) ? formatDuration(Math.max(0, toMs - from)) : '—';
}
