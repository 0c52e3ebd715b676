import { escapeHtml } from '../../report/escape.js';
import { formatDateTime, formatDuration } from '../../report/format.js';
import { objectivesText, type DrillHistory, type HistoryEntry } from '../../report/history.js';
import { renderTrendSvg } from '../../report/trend-svg.js';
import type { HistoryModel } from '../reports.js';
import { towerPage } from './layout.js';
import { reportHref } from './run-parts.js';
import { badge, outcomeBadge } from './words.js';

// History: every stored run of every drill, with its outcome and RTO/RPO against the targets,
// and per drill the trend by quarter (the history index's charts, and the same in a table).

type Figure = HistoryEntry['rto'];

function figure(f: Figure): string {
  if (f.status === 'breach') return badge('✗', 'not recovered (breach)', 'bad');
  if (f.status === 'not measured' || f.ms === null) return 'not measured';
  const target = f.targetMs !== null ? ` (target ≤ ${formatDuration(f.targetMs)})` : '';
  const over = f.targetMs !== null && f.ms > f.targetMs;
  return over ? badge('✗', `${formatDuration(f.ms)}, over target${target}`, 'bad') : escapeHtml(`${formatDuration(f.ms)}${target}`);
}

function quarterRows(d: DrillHistory): string {
  const byQuarter = new Map<string, HistoryEntry[]>();
  for (const r of d.runs) byQuarter.set(r.quarter, [...(byQuarter.get(r.quarter) ?? []), r]);
  return [...byQuarter.entries()].map(([q, runs]) => {
    const passed = runs.filter((r) => r.outcome === 'passed').length;
    const rtos = runs.map((r) => r.rto).filter((f) => f.status === 'measured' && f.ms !== null).map((f) => f.ms!);
    const breaches = runs.filter((r) => r.rto.status === 'breach').length;
    const worst = breaches ? badge('✗', `${breaches} breach(es)`, 'bad') : rtos.length ? escapeHtml(formatDuration(Math.max(...rtos))) : 'not measured';
    return `<tr><th scope="row">${escapeHtml(q)}</th><td>${runs.length}</td><td>${passed} of ${runs.length}</td><td>${worst}</td></tr>`;
  }).join('');
}

function drillSection(d: DrillHistory, i: number): string {
  const charts = [renderTrendSvg({ id: `trend-${i}-rto`, title: `RTO (worst probe) per run: ${d.drill}`, figure: 'RTO', points: d.trend.rto })];
  if (d.trend.rpo.some((p) => p.status !== 'not measured')) charts.push(renderTrendSvg({ id: `trend-${i}-rpo`, title: `RPO (worst data probe) per run: ${d.drill}`, figure: 'RPO', points: d.trend.rpo }));
  const rows = [...d.runs].reverse().map((e) => `<tr><td><a href="${escapeHtml(reportHref(e.workflowId))}">${escapeHtml(formatDateTime(e.startedAt))}</a></td>`
    + `<td>${escapeHtml(e.quarter)}</td><td>${outcomeBadge(e.outcome, 'COMPLETED')}</td><td>${escapeHtml(objectivesText(e))}</td>`
    + `<td>${figure(e.rto)}</td><td>${figure(e.rpo)}</td><td><a href="${escapeHtml(reportHref(e.workflowId))}">report</a></td></tr>`).join('');
  return `<section aria-labelledby="drill-${i}-h"><h2 id="drill-${i}-h">${escapeHtml(d.drill)}</h2>`
    + charts.map((c) => `<figure>${c}</figure>`).join('')
    + `<h3>By quarter</h3><div class="scroll"><table class="quarters"><thead><tr><th scope="col">Quarter</th><th scope="col">Runs</th><th scope="col">Passed</th><th scope="col">Worst RTO</th></tr></thead><tbody>${quarterRows(d)}</tbody></table></div>`
    + '<h3>Runs, newest first</h3><div class="scroll" role="region" tabindex="0" aria-label="Runs"><table class="runs-table"><thead><tr><th scope="col">Started</th><th scope="col">Quarter</th><th scope="col">Outcome</th><th scope="col">Objectives met</th><th scope="col">RTO (worst probe)</th><th scope="col">RPO</th><th scope="col">Report</th></tr></thead>'
    + `<tbody>${rows}</tbody></table></div></section>`;
}

function select(name: string, label: string, values: string[], current: string | undefined, all: string): string {
  const opts = [`<option value=""${current ? '' : ' selected'}>${escapeHtml(all)}</option>`,
    ...values.map((v) => `<option value="${escapeHtml(v)}"${v === current ? ' selected' : ''}>${escapeHtml(v)}</option>`)].join('');
  return `<label for="f-${name}">${escapeHtml(label)}<select id="f-${name}" name="${name}">${opts}</select></label>`;
}

export function renderHistory(m: HistoryModel): string {
  const filters = `<form class="filters" method="get" action="/history">${select('drill', 'Drill', m.drills, m.filter.drill, 'every drill')}${select('quarter', 'Quarter', m.quarters, m.filter.quarter, 'every quarter')}<button type="submit">Show</button></form>`;
  const what = [m.filter.drill ? `drill ${m.filter.drill}` : 'every drill', m.filter.quarter ? `quarter ${m.filter.quarter}` : 'every quarter'].join(', ');
  return towerPage({
    title: 'History',
    section: '/history',
    body: `<h1>History</h1>
<p>Every run in the report store, from its <code>result.json</code>. RTO is the worst probe's, counted from the first change to a node; a run where an impacted probe did not recover is a breach. Times are UTC.</p>
${filters}
<p>${escapeHtml(`${m.total} run(s): ${what}.`)}</p>
${m.warnings.length ? `<details><summary>${m.warnings.length} unreadable result(s) skipped</summary><ul>${m.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></details>` : ''}
${m.groups.length ? m.groups.map(drillSection).join('\n') : '<p>No run matches.</p>'}`,
  });
}
