import { escapeHtml } from '../../report/escape.js';
import { formatDateTime } from '../../report/format.js';
import type { ScheduleRow } from '../schedules.js';
import { runHref, towerPage } from './layout.js';
import { badge, outcomeBadge } from './words.js';

// Schedules: every drill `schedule sync` put on this task queue, when it runs next, whether it
// is paused (and by whom, from the note), its change freezes, and how its last run ended.

/** A time in the schedule's own zone, as the drill file wrote it: "2026-04-08 03:00 Asia/Seoul". */
export function localTime(iso: string, tz: string): string {
  try {
    const s = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
    return `${s} ${tz}`;
  } catch {
    return formatDateTime(iso);
  }
}

function blackouts(row: ScheduleRow, nowMs: number): string {
  if (!row.blackouts.length) return 'none';
  return `<ul>${row.blackouts.map((b) => {
    const active = Date.parse(b.start) <= nowMs && nowMs < Date.parse(b.end);
    const past = Date.parse(b.end) <= nowMs;
    const state = active ? badge('■', 'in force now', 'warn') : past ? badge('○', 'over', 'idle') : badge('◇', 'coming', 'info');
    return `<li>${escapeHtml(b.name)}: ${escapeHtml(formatDateTime(b.start))} to ${escapeHtml(formatDateTime(b.end))} ${state}</li>`;
  }).join('')}</ul>`;
}

function last(row: ScheduleRow): string {
  const l = row.last;
  if (!l) return 'never ran';
  const state = l.status === 'RUNNING' ? badge('▶', 'running', 'info') : outcomeBadge(l.outcome, l.status);
  return `${state} <a href="${escapeHtml(runHref(l.workflowId))}">${escapeHtml(formatDateTime(l.startedAt))}</a>${l.reason ? `<br><small>${escapeHtml(l.reason)}</small>` : ''}`;
}

export function renderSchedules(rows: ScheduleRow[], taskQueue: string, nowMs: number, error?: string): string {
  const body = rows.length
    ? '<div class="scroll" role="region" aria-label="Schedules" tabindex="0"><table class="schedules"><thead><tr><th scope="col">Drill</th><th scope="col">When</th><th scope="col">Next runs</th><th scope="col">State</th><th scope="col">Blackouts</th><th scope="col">Last run</th></tr></thead><tbody>'
      + rows.map((r) => `<tr><th scope="row">${escapeHtml(r.drill)}<br><small><code>${escapeHtml(r.scheduleId)}</code></small></th>`
        + `<td><code>${escapeHtml(r.cron ?? '?')}</code> ${escapeHtml(r.timezone)}</td>`
        + `<td>${r.paused ? 'none while paused' : r.nextRuns.length ? `<ul>${r.nextRuns.map((t) => `<li>${escapeHtml(localTime(t, r.timezone))}</li>`).join('')}</ul>` : '—'}</td>`
        + `<td>${r.paused ? `${badge('‖', 'paused', 'warn')}${r.note ? `<br><small>${escapeHtml(r.note)}</small>` : ''}` : badge('▶', 'active', 'good')}</td>`
        + `<td>${blackouts(r, nowMs)}</td><td>${last(r)}</td></tr>`).join('')
      + '</tbody></table></div>'
    : `<p>No drill of task queue <code>${escapeHtml(taskQueue)}</code> is scheduled. <code>firedrill schedule sync</code> creates schedules from the <code>schedule</code> blocks of drill files.</p>`;
  return towerPage({
    title: 'Schedules',
    section: '/schedules',
    body: `<h1>Schedules</h1>
${error ? `<p class="notice" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Synced by <code>firedrill schedule sync</code> for task queue <code>${escapeHtml(taskQueue)}</code>. Pause, unpause and trigger with <code>firedrill schedule</code>.</p>
${body}`,
  });
}
