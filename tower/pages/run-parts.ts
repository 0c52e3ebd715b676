import type { ProbeView } from '../../client/follow-view.js';
import { escapeHtml, safeHref } from '../../report/escape.js';
import { formatDateTime } from '../../report/format.js';
import type { JournalEntry } from '../../report/result.js';
import type { RunSnapshot } from '../reader.js';
import { runHref, segment } from './layout.js';
import { badge, outcomeBadge, phaseBadge, probeBadge, rtoBadge } from './words.js';

// Pieces every page about runs shares: names, phases, probe tables, journals, links.

export const KIND_WORD: Record<RunSnapshot['kind'], string> = { drill: 'drill', gameday: 'game day', scheduled: 'scheduled run' };

/** The run's display name: the drill or day name from its input, else what visibility knows. */
export function runName(s: RunSnapshot): string {
  if (s.kind === 'gameday') return s.input?.day.name ?? s.status?.day ?? s.ref.workflowId;
  if (s.kind === 'scheduled') return s.input?.spec.metadata.name ?? s.status?.drill ?? s.ref.name;
  return s.input?.spec.metadata.name ?? s.ref.name;
}

export function runPhase(s: RunSnapshot): string | undefined {
  if (s.ref.status !== 'RUNNING') return undefined;
  return s.status?.phase;
}

export function runLink(s: RunSnapshot): string {
  return `<a href="${escapeHtml(runHref(s.ref.workflowId))}">${escapeHtml(runName(s))}</a>`;
}

/** Phase while running; the outcome once closed. */
export function stateBadge(s: RunSnapshot): string {
  if (s.ref.status === 'RUNNING') return phaseBadge(runPhase(s));
  return outcomeBadge(s.result?.outcome, s.ref.status);
}

/** `ended`: the run is over, so no probe has a state now; only its measured RTO stands. */
export function probesTable(probes: ProbeView[], caption: string, ended = false): string {
  if (!probes.length) return '<p>No probe has reported yet.</p>';
  const rows = probes.map((p) => `<tr><th scope="row">${escapeHtml(p.name)}</th><td>${ended ? badge('■', 'observation ended', 'idle') : probeBadge(p)}${p.error ? `<br><small>${escapeHtml(p.error)}</small>` : ''}</td><td>${rtoBadge(p.rto)}</td></tr>`).join('');
  return `<div class="scroll"><table class="probes"><caption class="sr">${escapeHtml(caption)}</caption><thead><tr><th scope="col">Probe</th><th scope="col">State</th><th scope="col">RTO clock</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

const KIND_TONE: Record<JournalEntry['kind'], [string, 'good' | 'bad' | 'warn' | 'info' | 'idle']> = {
  phase: ['▸', 'info'], operator: ['◆', 'warn'], guardrail: ['✗', 'bad'], info: ['•', 'idle'], warning: ['!', 'warn'], error: ['✗', 'bad'],
};

export function journalTable(entries: JournalEntry[]): string {
  if (!entries.length) return '<p>The journal is empty so far.</p>';
  const rows = [...entries].reverse().map((e) => {
    const [sym, tone] = KIND_TONE[e.kind] ?? ['•', 'idle'];
    return `<tr><td>${escapeHtml(formatDateTime(e.at))}</td><td>${badge(sym, e.kind, tone)}</td><td>${escapeHtml(e.identity ?? '—')}</td><td>${escapeHtml(e.message)}</td></tr>`;
  }).join('');
  return `<div class="scroll" role="region" aria-label="Journal, newest first" tabindex="0"><table class="journal"><thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Who</th><th scope="col">What</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The run in Temporal's own UI, when its address is known. */
export function temporalUiHref(uiUrl: string | undefined, namespace: string, workflowId: string, runId: string): string | undefined {
  if (!uiUrl) return undefined;
  return safeHref(`${uiUrl.replace(/\/+$/, '')}/namespaces/${segment(namespace)}/workflows/${segment(workflowId)}/${segment(runId)}/history`);
}

export function reportHref(workflowId: string): string {
  return `/report/${segment(workflowId)}`;
}
