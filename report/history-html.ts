import { groupHistory, objectivesText, type HistoryEntry } from './history.js';
import { escapeHtml } from './escape.js';
import { formatDateTime, formatDuration } from './format.js';
import { htmlPage } from './page-shell.js';
import { renderTrendSvg } from './trend-svg.js';
import { OUTCOME_LABEL } from './verdict.js';

// The history index page: every run of every drill, newest first, and per drill the RTO and RPO
// trend by quarter. Self-contained like the reports, and linking to them by relative path.

function figure(f: HistoryEntry['rto']): string {
  if (f.status === 'breach') return '<span class="tone-bad">✗ not recovered (breach)</span>';
  if (f.status === 'not measured' || f.ms === null) return f.inconclusive ? '<span class="tone-warn">? inconclusive</span>' : 'not measured';
  const over = f.targetMs !== null && f.ms > f.targetMs;
  return over ? `<span class="tone-bad">${escapeHtml(formatDuration(f.ms))} (over ${escapeHtml(formatDuration(f.targetMs!))})</span>` : escapeHtml(formatDuration(f.ms));
}

function href(dir: string, file: string): string {
  return escapeHtml([...dir.split('/'), file].map(encodeURIComponent).join('/'));
}

function runRow(e: HistoryEntry): string {
  const o = OUTCOME_LABEL[e.outcome];
  // inconclusive, aborted, refused, skipped: not a pass, not a measured miss.
  const tone = e.outcome === 'passed' ? 'good' : e.outcome === 'failed' || e.outcome === 'error' ? 'bad' : 'warn';
  return `<tr><td>${escapeHtml(formatDateTime(e.startedAt))}</td><td>${escapeHtml(e.quarter)}</td>`
    + `<td><span class="tone-${tone}">${escapeHtml(`${o.symbol} ${o.word.toLowerCase()}`)}</span></td>`
    + `<td>${objectivesText(e)}</td><td>${figure(e.rto)}</td><td>${figure(e.rpo)}</td>`
    + `<td><a href="${href(e.dir, 'report.html')}">report</a> · <a href="${href(e.dir, 'result.json')}">result.json</a></td></tr>`;
}

export function renderHistoryHtml(entries: HistoryEntry[]): string {
  const drills = groupHistory(entries);
  const overview = drills.map((d, i) => {
    const last = d.runs.at(-1)!;
    return `<tr><td><a href="#drill-${i}">${escapeHtml(d.drill)}</a></td><td>${d.runs.length}</td><td>${escapeHtml(formatDateTime(last.startedAt))}</td>`
      + `<td>${escapeHtml(OUTCOME_LABEL[last.outcome].word.toLowerCase())}</td><td>${objectivesText(last)}</td></tr>`;
  }).join('');
  const sections = drills.map((d, i) => {
    const charts = [renderTrendSvg({ id: `trend-${i}-rto`, title: `RTO (worst probe) per run: ${d.drill}`, figure: 'RTO', points: d.trend.rto })];
    if (d.trend.rpo.some((p) => p.status !== 'not measured')) {
      charts.push(renderTrendSvg({ id: `trend-${i}-rpo`, title: `RPO (worst data probe) per run: ${d.drill}`, figure: 'RPO', points: d.trend.rpo }));
    }
    const rows = [...d.runs].reverse().map(runRow).join('');
    return `<section id="drill-${i}"><h2>${escapeHtml(d.drill)}</h2>`
      + charts.map((c) => `<figure>${c}</figure>`).join('')
      + '<table><thead><tr><th scope="col">Started</th><th scope="col">Quarter</th><th scope="col">Outcome</th><th scope="col">Objectives met</th><th scope="col">RTO (worst probe)</th><th scope="col">RPO</th><th scope="col">Files</th></tr></thead>'
      + `<tbody>${rows}</tbody></table></section>`;
  }).join('\n');
  return htmlPage({
    title: 'firedrill — drill history',
    main: `<p class="kicker">firedrill · drill history</p>
<h1>Every drill, every run</h1>
${drills.length ? `<table><thead><tr><th scope="col">Drill</th><th scope="col">Runs</th><th scope="col">Last run</th><th scope="col">Last outcome</th><th scope="col">Objectives met</th></tr></thead><tbody>${overview}</tbody></table>` : '<p>No drill has been reported yet.</p>'}
${sections}
<footer>RTO per run is the worst probe's recovery time, counted from the first change to a node; a run where any impacted probe did not recover is a breach, and one where a probe was not observed well enough to judge is inconclusive. The dashed line is the target (the overall objective, else the loosest per-probe one). Times are UTC.</footer>`,
  });
}
