import { approverNames } from '../../approvals/statement.js';
import type { ProbeView } from '../../client/follow-view.js';
import { escapeHtml } from '../../report/escape.js';
import { formatDateTime } from '../../report/format.js';
import { renderTimelineSvg } from '../../report/timeline-svg.js';
import type { JournalEntry } from '../../report/result.js';
import { liveChartResult } from '../live-timeline.js';
import type { DrillSnapshot, GameDaySnapshot, RunSnapshot, ScheduledSnapshot } from '../reader.js';
import type { RenderContext } from './context.js';
import { abortForm, approveForm } from './forms.js';
import { runHref, segment, towerPage } from './layout.js';
import { journalTable, KIND_WORD, probesTable, reportHref, runName, stateBadge, temporalUiHref } from './run-parts.js';
import { badge, censusBadge, elapsed, outcomeBadge, restoreText } from './words.js';

// One run: its state, approvals, the live timeline chart (the report's own SVG model), probes,
// journal, and the approve and abort forms while they can still act. Every part but the page
// frame is live.

const AFTER_INJECTION = new Set(['restore', 'failback', 'report', 'done']);

function facts(pairs: Array<[string, string]>): string {
  return `<dl class="facts">${pairs.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function journalOf(s: RunSnapshot): JournalEntry[] {
  return s.status && 'journal' in s.status ? s.status.journal : s.result?.journal ?? [];
}

function refusals(journal: JournalEntry[]): string {
  const refused = journal.filter((e) => e.kind === 'warning' && e.identity && /refused/.test(e.message));
  if (!refused.length) return '';
  return `<p>Refused approvals:</p><ul>${refused.map((e) => `<li>${escapeHtml(`${e.identity}: ${e.message} (${formatDateTime(e.at)})`)}</li>`).join('')}</ul>`;
}

interface ApprovalFacts {
  required: boolean;
  approvers?: string[];
  approvedBy?: string;
  open: boolean;
}

function approvalFacts(s: RunSnapshot): ApprovalFacts {
  const running = s.ref.status === 'RUNNING';
  if (s.kind === 'gameday') {
    const a = s.input?.day.approval;
    const approvedBy = s.status?.approvedBy ?? s.result?.approval.approvedBy;
    return { required: Boolean(a?.required), ...(a?.approvers ? { approvers: a.approvers } : {}), ...(approvedBy ? { approvedBy } : {}), open: running && Boolean(a?.required) && !approvedBy && (s.status?.phase === 'approval' || s.status?.phase === 'starting') };
  }
  if (s.kind === 'scheduled') return { required: Boolean(s.input?.spec.approval.required), open: false };
  const a = s.input?.spec.approval;
  const approvedBy = s.status?.approvedBy ?? s.result?.approval.approvedBy;
  const phase = s.status?.phase;
  return {
    required: Boolean(a?.required), ...(a ? { approvers: approverNames(a) } : {}), ...(approvedBy ? { approvedBy } : {}),
    open: running && Boolean(a?.required) && !approvedBy && (phase === 'approval' || phase === 'preflight' || phase === 'starting'),
  };
}

function approvalPart(s: RunSnapshot): string {
  const a = approvalFacts(s);
  if (s.kind === 'scheduled') return '<p>A scheduled run passes approval to its drill run: approve that one.</p>';
  const needed = !a.required ? 'none: this run does not require approval'
    : `one approval${a.approvers?.length ? ` by one of ${a.approvers.join(', ')}` : ' by anyone who can signal the run'}`;
  const received = a.approvedBy ? badge('✓', `approved by ${a.approvedBy}`, 'good') : a.required ? badge('◆', 'none yet', 'warn') : '—';
  return facts([['Needed', escapeHtml(needed)], ['Received', received]]) + refusals(journalOf(s));
}

function approveFormPart(s: RunSnapshot, ctx: RenderContext): string {
  const a = approvalFacts(s);
  return a.open ? approveForm(s.ref.workflowId, ctx, a.approvers) : '';
}

function abortPart(s: RunSnapshot, ctx: RenderContext): string {
  if (s.ref.status !== 'RUNNING') return '<p>The run has ended.</p>';
  const phase = s.status?.phase;
  if (s.kind === 'drill' && phase && AFTER_INJECTION.has(phase)) return '<p>Restore has started: there is nothing left to abort.</p>';
  if (s.kind === 'gameday' && (phase === 'report' || phase === 'done')) return '<p>The game day is writing its report.</p>';
  return abortForm(s.ref.workflowId, ctx);
}

function headPart(s: RunSnapshot, ctx: RenderContext): string {
  const end = s.ref.closedAt ? Date.parse(s.ref.closedAt) : ctx.nowMs;
  const pairs: Array<[string, string]> = [
    ['State', stateBadge(s)],
    ['Workflow', `<code>${escapeHtml(s.ref.workflowId)}</code>`],
    ['Started', escapeHtml(formatDateTime(s.ref.startedAt))],
    [s.ref.closedAt ? 'Took' : 'Elapsed', escapeHtml(elapsed(s.ref.startedAt, end))],
  ];
  if (s.kind === 'drill') {
    pairs.push(['Target', escapeHtml(s.ref.target ?? s.result?.drill.target ?? '—')]);
    pairs.push(['Census', censusBadge(s.census, s.status?.phase)]);
    if (s.view?.inject) pairs.push(['Injection', escapeHtml(`${s.view.inject.nodesDone} node(s) changed, ${s.view.inject.evicted} pod(s) evicted`)]);
    const restore = s.view?.restore ?? (s.result?.restore ? { done: s.result.restore.nodes.filter((n) => n.restored).length, total: s.result.restore.nodes.length } : undefined);
    if (restore || s.status?.phase === 'restore') pairs.push(['Restore', restoreText(restore)]);
  }
  if (s.ref.parentWorkflowId) pairs.push(['Part of', `<a href="${escapeHtml(runHref(s.ref.parentWorkflowId))}">${escapeHtml(s.ref.parentWorkflowId)}</a>`]);
  if (s.result) pairs.push(['Outcome', `${outcomeBadge(s.result.outcome, s.ref.status)} ${escapeHtml(s.result.outcomeReason)}`]);
  if (s.ref.status === 'RUNNING' && !s.status) pairs.push(['Status', badge('?', 'no answer from a worker yet', 'idle')]);
  return facts(pairs);
}

function probesPart(s: DrillSnapshot): string {
  if (s.view) return probesTable(s.view.probes, 'Probes');
  const r = s.result;
  const m = r?.measurements.probes ?? [];
  if (!r || !m.length) return '<p>No probe was measured.</p>';
  return probesTable(m.map((p): ProbeView => {
    const target = r.objectives.find((o) => o.type === 'rto' && o.probe === p.probe) ?? r.objectives.find((o) => o.type === 'rto' && o.probe === undefined);
    const base = { resolutionMs: p.resolutionMs, ...(target ? { targetMs: target.target } : {}) };
    const rto: ProbeView['rto'] = !p.impact ? { state: 'no impact', ms: null, ...base }
      : p.rtoMs === null ? { state: 'breach', ms: null, ...base } : { state: 'recovered', ms: p.rtoMs, ...base };
    return { name: p.probe, healthy: null, rto };
  }), 'Probes', true);
}

const CHART_PHASES = new Set(['baseline', 'inject', 'hold', 'restore', 'failback']);

function timelinePart(s: DrillSnapshot, ctx: RenderContext): string {
  const result = s.result ?? s.status?.result;
  if (result) return `<figure>${renderTimelineSvg(result, { idPrefix: 'tl' })}<figcaption>The final timeline, as in the report.</figcaption></figure>`;
  if (!s.status) return '<p>No timeline yet.</p>';
  const live = liveChartResult({
    workflowId: s.ref.workflowId, status: s.status, observed: s.observed ?? [], nowIso: new Date(ctx.nowMs).toISOString(),
    ...(s.input ? { spec: s.input.spec, specSha256: s.input.specSha256 } : {}), ...(s.live ? { live: s.live } : {}),
  });
  if (!live.phases.some((p) => CHART_PHASES.has(p.phase))) return '<p>The chart starts with the baseline.</p>';
  return `<figure>${renderTimelineSvg(live, { idPrefix: 'tl' })}<figcaption>Live: the phases so far and each probe's health; failing stretches are hatched. Markers for detection and recovery appear in the report.</figcaption></figure>`;
}

function linksPart(s: RunSnapshot, ctx: RenderContext): string {
  const links: string[] = [];
  const ui = temporalUiHref(ctx.temporalUiUrl, ctx.namespace, s.ref.workflowId, s.ref.runId);
  if (ui) links.push(`<a href="${escapeHtml(ui)}">This run in the Temporal UI</a>`);
  if (ctx.reports.has(s.ref.workflowId)) links.push(`<a href="${escapeHtml(reportHref(s.ref.workflowId))}" id="report-link">The report</a>`);
  else if (s.ref.status !== 'RUNNING') links.push('No report in the store for this run.');
  else links.push('The report follows when the run ends.');
  return `<ul>${links.map((l) => `<li>${l}</li>`).join('')}</ul>`;
}

function gameDayDrills(s: GameDaySnapshot): string {
  const done = s.status?.drills ?? s.result?.drills ?? [];
  const planned = s.input?.drills ?? [];
  const rows = planned.map((d, i) => {
    const sum = done[i];
    const current = s.status?.current?.index === i ? s.status.current : undefined;
    const wf = sum?.workflowId ?? current?.workflowId;
    const name = wf ? `<a href="${escapeHtml(runHref(wf))}">${escapeHtml(d.spec.metadata.name)}</a>` : escapeHtml(d.spec.metadata.name);
    const state = sum ? `${outcomeBadge(sum.outcome, 'COMPLETED')} ${escapeHtml(sum.outcomeReason)}` : current ? badge('▶', 'running', 'info') : badge('…', 'not started', 'idle');
    return `<tr><td>${i + 1}</td><td>${name}</td><td>${state}</td></tr>`;
  }).join('');
  return rows ? `<div class="scroll"><table><thead><tr><th scope="col">#</th><th scope="col">Drill</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table></div>` : '<p>The drills of this day are not known yet.</p>';
}

function scheduledPart(s: ScheduledSnapshot): string {
  const child = s.status?.childWorkflowId;
  return child ? `<p>Its drill run: <a href="${escapeHtml(runHref(child))}">${escapeHtml(child)}</a></p>` : '<p>No drill run started yet.</p>';
}

/** The live parts of a run's page, by element id. */
export function runParts(s: RunSnapshot, ctx: RenderContext): Record<string, string> {
  const parts: Record<string, string> = {
    'run-head': headPart(s, ctx),
    'run-approval': approvalPart(s),
    'run-approve': approveFormPart(s, ctx),
    'run-abort': abortPart(s, ctx),
    'run-journal': journalTable(journalOf(s)),
    'run-links': linksPart(s, ctx),
  };
  if (s.kind === 'drill') {
    parts['run-probes'] = probesPart(s);
    parts['run-timeline'] = timelinePart(s, ctx);
  } else if (s.kind === 'gameday') parts['run-drills'] = gameDayDrills(s);
  else parts['run-drills'] = scheduledPart(s);
  return parts;
}

export function renderRun(s: RunSnapshot, ctx: RenderContext, notice?: string): string {
  const p = runParts(s, ctx);
  const name = runName(s);
  const description = s.kind === 'drill' ? s.input?.spec.metadata.description ?? s.result?.drill.description
    : s.kind === 'gameday' ? s.input?.day.description : undefined;
  const section = (id: string, title: string, part: string) => `<section aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2><div id="${part}">${p[part] ?? ''}</div></section>`;
  const middle = s.kind === 'drill'
    ? section('probes', 'Probes', 'run-probes') + section('timeline', 'Timeline', 'run-timeline')
    : section('drills', s.kind === 'gameday' ? 'Drills of the day' : 'Drill run', 'run-drills');
  return towerPage({
    title: `${name} (${KIND_WORD[s.kind]})`,
    live: `/live/runs/${segment(s.ref.workflowId)}`,
    body: `<p class="kicker">${escapeHtml(KIND_WORD[s.kind])}</p>
<h1>${escapeHtml(name)}</h1>
${description ? `<p class="description">${escapeHtml(description)}</p>` : ''}
${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}
<div id="run-head">${p['run-head']}</div>
<section aria-labelledby="approval-h" id="approval"><h2 id="approval-h">Approval</h2><div id="run-approval">${p['run-approval']}</div><div id="run-approve">${p['run-approve']}</div></section>
<section aria-labelledby="abort-h"><h2 id="abort-h">Abort</h2><div id="run-abort">${p['run-abort']}</div></section>
${middle}
${section('journal', 'Journal', 'run-journal')}
${section('links', 'Links', 'run-links')}`,
  });
}
