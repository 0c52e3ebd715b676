import { escapeHtml } from '../../report/escape.js';
import { formatDateTime } from '../../report/format.js';
import type { DrillSnapshot, GameDaySnapshot, NowSnapshot, RunSnapshot, ScheduledSnapshot } from '../reader.js';
import type { RenderContext } from './context.js';
import { runHref, towerPage } from './layout.js';
import { KIND_WORD, probesTable, reportHref, runLink, runName, stateBadge } from './run-parts.js';
import { badge, censusBadge, elapsed, restoreText } from './words.js';

// Now: every running drill, game day and scheduled run of the task queue as a card, and the
// runs that finished in the last day. The two lists are the page's live parts.

const idOf = (workflowId: string) => `run-${workflowId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function facts(pairs: Array<[string, string]>): string {
  return `<dl class="facts">${pairs.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function approvalText(s: DrillSnapshot): string {
  const a = s.input?.spec.approval;
  const by = s.status?.approvedBy ?? s.view?.approvedBy;
  if (by) return badge('✓', `approved by ${by}`, 'good');
  if (!a?.required) return 'not required';
  if (s.status?.phase === 'approval') return `${badge('◆', 'waiting for approval', 'warn')} <a href="${escapeHtml(runHref(s.ref.workflowId))}#approval">approve or abort on its page</a>`;
  return 'required, not given yet';
}

function drillCard(s: DrillSnapshot, ctx: RenderContext): string {
  const v = s.view;
  const target = s.ref.target ?? '—';
  const pairs: Array<[string, string]> = [
    ['State', stateBadge(s)],
    ['Elapsed', escapeHtml(elapsed(s.status?.startedAt ?? s.ref.startedAt, ctx.nowMs))],
    ['Target', escapeHtml(target)],
    ['Census', censusBadge(s.census, s.status?.phase)],
    ['Approval', approvalText(s)],
  ];
  if (s.ref.parentWorkflowId) pairs.push(['Part of', `<a href="${escapeHtml(runHref(s.ref.parentWorkflowId))}">${escapeHtml(s.ref.parentWorkflowId)}</a>`]);
  if (v?.inject) pairs.push(['Injection', escapeHtml(`${v.inject.nodesDone} node(s) changed, ${v.inject.evicted} pod(s) evicted`)]);
  if (v?.restore || s.status?.phase === 'restore') pairs.push(['Restore', restoreText(v?.restore)]);
  if (!s.status) pairs.push(['Status', badge('?', 'no answer from a worker yet', 'idle')]);
  return `<article class="run" id="${idOf(s.ref.workflowId)}" aria-labelledby="${idOf(s.ref.workflowId)}-h">`
    + `<h3 id="${idOf(s.ref.workflowId)}-h">${runLink(s)} <span class="kind">${KIND_WORD[s.kind]} · ${escapeHtml(s.ref.workflowId)}</span></h3>`
    + facts(pairs)
    + probesTable(v?.probes ?? [], `Probes of ${runName(s)}`)
    + '</article>';
}

function gameDayCard(s: GameDaySnapshot, ctx: RenderContext): string {
  const st = s.status;
  const pairs: Array<[string, string]> = [
    ['State', stateBadge(s)],
    ['Elapsed', escapeHtml(elapsed(st?.startedAt ?? s.ref.startedAt, ctx.nowMs))],
    ['Drills', escapeHtml(`${st?.drills.length ?? 0} done of ${s.input?.drills.length ?? '?'}`)],
    ['Approval', st?.approvedBy ? badge('✓', `approved by ${st.approvedBy}`, 'good') : s.input?.day.approval.required ? (st?.phase === 'approval' ? badge('◆', 'waiting for approval', 'warn') : 'required, not given yet') : 'not required'],
  ];
  if (st?.current) pairs.push(['Current drill', `<a href="${escapeHtml(runHref(st.current.workflowId))}">${escapeHtml(`${st.current.index + 1}. ${st.current.name}`)}</a>`]);
  return `<article class="run" id="${idOf(s.ref.workflowId)}" aria-labelledby="${idOf(s.ref.workflowId)}-h">`
    + `<h3 id="${idOf(s.ref.workflowId)}-h">${runLink(s)} <span class="kind">game day · ${escapeHtml(s.ref.workflowId)}</span></h3>`
    + facts(pairs) + '</article>';
}

function scheduledCard(s: ScheduledSnapshot, ctx: RenderContext): string {
  const pairs: Array<[string, string]> = [
    ['State', stateBadge(s)],
    ['Elapsed', escapeHtml(elapsed(s.ref.startedAt, ctx.nowMs))],
  ];
  if (s.status?.childWorkflowId) pairs.push(['Drill run', `<a href="${escapeHtml(runHref(s.status.childWorkflowId))}">${escapeHtml(s.status.childWorkflowId)}</a>`]);
  return `<article class="run" id="${idOf(s.ref.workflowId)}" aria-labelledby="${idOf(s.ref.workflowId)}-h">`
    + `<h3 id="${idOf(s.ref.workflowId)}-h">${runLink(s)} <span class="kind">scheduled run · ${escapeHtml(s.ref.workflowId)}</span></h3>`
    + facts(pairs) + '</article>';
}

export function runCard(s: RunSnapshot, ctx: RenderContext): string {
  if (s.kind === 'gameday') return gameDayCard(s, ctx);
  if (s.kind === 'scheduled') return scheduledCard(s, ctx);
  return drillCard(s, ctx);
}

function recentRow(s: RunSnapshot, ctx: RenderContext): string {
  const report = ctx.reports.has(s.ref.workflowId) ? `<a href="${escapeHtml(reportHref(s.ref.workflowId))}">report</a>` : 'no report';
  return `<tr><td>${runLink(s)}</td><td>${escapeHtml(KIND_WORD[s.kind])}</td><td>${stateBadge(s)}</td>`
    + `<td>${escapeHtml(formatDateTime(s.ref.closedAt))}</td><td>${escapeHtml(s.result?.outcomeReason ?? '—')}</td><td>${report}</td></tr>`;
}

/** The live parts of Now, by element id. */
export function nowParts(n: NowSnapshot, ctx: RenderContext): Record<string, string> {
  const running = n.running.length
    ? `<div class="runs">${n.running.map((s) => runCard(s, ctx)).join('')}</div>`
    : '<p>Nothing is running on this task queue.</p>';
  const recent = n.recent.length
    ? '<div class="scroll" role="region" aria-label="Finished runs" tabindex="0"><table class="recent"><thead><tr><th scope="col">Run</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col">Ended</th><th scope="col">Why</th><th scope="col">Report</th></tr></thead>'
      + `<tbody>${n.recent.map((s) => recentRow(s, ctx)).join('')}</tbody></table></div>`
    : '<p>No run finished in the last 24 hours.</p>';
  return {
    'now-summary': escapeHtml(`${n.running.length} running · updated ${formatDateTime(n.at)}`),
    'now-running': running,
    'now-recent': recent,
  };
}

export function renderNow(n: NowSnapshot, ctx: RenderContext, taskQueue: string): string {
  const parts = nowParts(n, ctx);
  return towerPage({
    title: 'Now',
    section: '/',
    live: '/live/now',
    body: `<h1>Now</h1>
<p>Every drill, game day and scheduled run on task queue <code>${escapeHtml(taskQueue)}</code>. <span id="now-summary">${parts['now-summary']}</span></p>
<section aria-labelledby="running-h"><h2 id="running-h">Running</h2><div id="now-running">${parts['now-running']}</div></section>
<section aria-labelledby="recent-h"><h2 id="recent-h">Finished in the last 24 hours</h2><div id="now-recent">${parts['now-recent']}</div></section>`,
  });
}
