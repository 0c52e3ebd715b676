import type { DrillResult, Phase, ProbeTimeline } from './result.js';
import { escapeHtml } from './escape.js';
import { formatClock, formatDuration, formatMeasuredMs } from './format.js';
import { fit, idSafe, n, niceStep, svgOpen, text, textWidth } from './svg.js';
import { faultWindows, stateRuns } from './windows.js';

// The drill timeline as an SVG chart: phase bands, one lane per probe (healthy solid, failing
// hatched, unobserved grey, gaps in observation outlined and labelled), the injection window,
// markers for T0, detection, recovery and restore, and a legend.
// Colour is never the only signal: failing is hatched, markers differ in shape and carry text.

const CHART_PHASES: Phase[] = ['baseline', 'inject', 'hold', 'restore', 'failback'];
const PHASE_FILL: Partial<Record<Phase, string>> = {
  baseline: '#e3ebf6',
  inject: '#fbe0c6',
  hold: '#f7e7a8',
  restore: '#d9efd6',
  failback: '#e5def2',
};

const W = 880;
const LEFT = 190;
const RIGHT = 24;
const PLOT_W = W - LEFT - RIGHT;
const HEALTHY = '#3d8b4f';
const FAIL_LINE = '#a4241c';
const FAIL_BG = '#f6cdc8';
const INK = '#1b1b1b';
const GAP_LINE = '#5a5a5a';
const INJECT_FILL = '#f2b27a';

interface Domain {
  start: number;
  end: number;
  x: (ms: number) => number;
}

function domainOf(result: DrillResult): Domain | null {
  const times: number[] = [];
  for (const p of result.phases) {
    if (!CHART_PHASES.includes(p.phase)) continue;
    times.push(Date.parse(p.startedAt));
    if (p.endedAt) times.push(Date.parse(p.endedAt));
  }
  for (const probe of result.probes) {
    for (const s of probe.segments) times.push(Date.parse(s.from), Date.parse(s.to));
  }
  const valid = times.filter((t) => Number.isFinite(t));
  if (valid.length === 0) return null;
  const start = Math.min(...valid);
  const end = Math.max(start + 1000, ...valid);
  const x = (ms: number): number => LEFT + ((Math.min(Math.max(ms, start), end) - start) / (end - start)) * PLOT_W;
  return { start, end, x };
}

function patterns(id: string): string {
  return `<defs><pattern id="${id}-failing" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)">`
    + `<rect width="7" height="7" fill="${FAIL_BG}"/><line x1="0" y1="0" x2="0" y2="7" stroke="${FAIL_LINE}" stroke-width="3.2"/></pattern>`
    + `<pattern id="${id}-gap" patternUnits="userSpaceOnUse" width="8" height="8">`
    + `<rect width="8" height="8" fill="#fff"/><path d="M0 0 L8 8 M8 0 L0 8" stroke="${GAP_LINE}" stroke-width="0.8"/></pattern></defs>`;
}

/** The measured window starts at the first change; results of older workers only know T0. */
function windowStart(result: DrillResult): number | null {
  const iso = result.measurements.injectStartedAt ?? result.measurements.t0;
  return iso ? Date.parse(iso) : null;
}

/** Phase bands with their labels: inside the band when it fits, else staggered above it. */
function phaseBands(result: DrillResult, d: Domain, bandY: number, bandH: number): string {
  const out: string[] = [];
  const rowEnds = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const spans = result.phases.filter((p) => CHART_PHASES.includes(p.phase));
  // The inject and hold bands are the injection window and the hold as the report defines them
  // (first change → T0 → restore start), so their labels match the overview.
  const w = faultWindows(result);
  const windowOf = (phase: Phase): [number, number] | null => {
    if (!w.t0 || !w.restoreStartedAt || !w.injectStartedAt) return null;
    if (phase === 'inject') return [Date.parse(w.injectStartedAt), Date.parse(w.t0)];
    if (phase === 'hold') return [Date.parse(w.t0), Date.parse(w.restoreStartedAt)];
    return null;
  };
  for (const [i, p] of spans.entries()) {
    const defined = windowOf(p.phase);
    const from = defined ? defined[0] : Date.parse(p.startedAt);
    const to = defined ? defined[1] : p.endedAt ? Date.parse(p.endedAt) : Date.parse(spans[i + 1]?.startedAt ?? '') || d.end;
    const x0 = d.x(from);
    const w = Math.max(2, d.x(to) - x0);
    out.push(`<rect x="${n(x0)}" y="${bandY}" width="${n(w)}" height="${bandH}" fill="${PHASE_FILL[p.phase] ?? '#eee'}" stroke="#6b6b6b" stroke-width="0.6"/>`);
    const long = `${p.phase} · ${formatDuration(to - from)}`;
    if (textWidth(long, 11) + 8 <= w) out.push(text(x0 + w / 2, bandY + bandH / 2 + 4, long, { anchor: 'middle' }));
    else if (textWidth(p.phase, 11) + 6 <= w) out.push(text(x0 + w / 2, bandY + bandH / 2 + 4, p.phase, { anchor: 'middle' }));
    else {
      // Too narrow: the name goes above, on the first row where it does not collide.
      const cx = x0 + w / 2;
      const half = textWidth(p.phase, 10) / 2;
      const row = rowEnds[1]! < cx - half - 4 && rowEnds[0]! >= cx - half - 4 ? 1 : 0;
      const y = row === 0 ? bandY - 16 : bandY - 4;
      rowEnds[row] = cx + half;
      out.push(`<line x1="${n(cx)}" y1="${y + 2}" x2="${n(cx)}" y2="${bandY}" stroke="#6b6b6b" stroke-width="0.6"/>`);
      out.push(text(cx, y, p.phase, { anchor: 'middle', size: 10, halo: true }));
    }
  }
  return out.join('');
}

function laneSummary(result: DrillResult, probe: ProbeTimeline): string {
  const m = result.measurements.probes.find((p) => p.probe === probe.name);
  if (!m) return `${probe.type}, every ${formatDuration(probe.intervalMs, probe.intervalMs)}`;
  if (m.coverage?.observations === 0) return `${probe.type} · not observed`;
  if (m.inconclusive) return `${probe.type} · inconclusive (gap)`;
  if (!m.impact) return `${probe.type} · no impact`;
  if (m.rtoMs === null) return `${probe.type} · not recovered`;
  return `${probe.type} · RTO ${formatMeasuredMs(m.rtoMs, m.resolutionMs)}`;
}

function lane(result: DrillResult, probe: ProbeTimeline, d: Domain, top: number, id: string, holdEnd: number): string {
  const barY = top + 16;
  const barH = 18;
  const out: string[] = [`<g class="lane"><title>${escapeHtml(probe.name)}</title>`];
  out.push(text(LEFT - 10, top + 15, fit(probe.name, LEFT - 16, 13), { anchor: 'end', weight: 'bold', size: 13 }));
  out.push(text(LEFT - 10, top + 30, fit(laneSummary(result, probe), LEFT - 16, 11), { anchor: 'end', size: 11, fill: '#333' }));
  // Grey underlay: stretches without an observation longer than the probe's tick spacing (before
  // the baseline, between phases) show as "no observation"; shorter ones are drawn through, as
  // coverage counts them observed, so phase boundaries leave no sliver.
  out.push(`<rect x="${LEFT}" y="${barY}" width="${PLOT_W}" height="${barH}" fill="#ededed" stroke="#9a9a9a" stroke-width="0.5"/>`);
  const runs = stateRuns(probe);
  for (const [i, s] of runs.entries()) {
    if (s.state === 'unobserved') continue;
    const next = runs[i + 1];
    const end = next && next.state !== 'unobserved' ? next.from : s.to;
    const healthy = s.state === 'healthy';
    const x0 = d.x(s.from);
    const w = Math.max(2, d.x(end) - x0);
    const fill = healthy ? HEALTHY : `url(#${id}-failing)`;
    const tip = `${healthy ? 'healthy' : 'failing'} ${formatClock(s.from)}–${formatClock(s.to)} UTC, ${s.count} observations${s.error ? `: ${s.error}` : ''}`;
    out.push(`<rect x="${n(x0)}" y="${barY}" width="${n(w)}" height="${barH}" fill="${fill}"${healthy ? '' : ` stroke="${FAIL_LINE}" stroke-width="1"`}><title>${escapeHtml(tip)}</title></rect>`);
    if (!healthy && w >= 56) out.push(text(x0 + w / 2, barY + 13, 'failing', { anchor: 'middle', size: 10, weight: 'bold', fill: FAIL_LINE, halo: true }));
  }
  const m = result.measurements.probes.find((p) => p.probe === probe.name);
  // Gaps in observation: outlined and cross-hatched, labelled when there is room.
  for (const g of m?.coverage?.gaps ?? []) {
    const x0 = d.x(Date.parse(g.from));
    const w = Math.max(3, d.x(Date.parse(g.to)) - x0);
    const tip = `no observation ${formatClock(Date.parse(g.from))}–${formatClock(Date.parse(g.to))} UTC (${formatDuration(g.ms)})`;
    out.push(`<rect class="gap" x="${n(x0)}" y="${barY - 2}" width="${n(w)}" height="${barH + 4}" fill="url(#${id}-gap)" stroke="${GAP_LINE}" stroke-width="1.2" stroke-dasharray="3 2"><title>${escapeHtml(tip)}</title></rect>`);
    const label = `gap ${formatDuration(g.ms)}`;
    if (textWidth(label, 10) + 6 <= w) out.push(text(x0 + w / 2, barY + 13, label, { anchor: 'middle', size: 10, weight: 'bold', fill: GAP_LINE, halo: true }));
  }
  const t0 = windowStart(result);
  if (m?.detectedAt) {
    const x = d.x(Date.parse(m.detectedAt));
    out.push(`<path d="M${n(x - 6)} ${barY - 9} L${n(x + 6)} ${barY - 9} L${n(x)} ${barY + 1} Z" fill="${INK}"><title>detected ${escapeHtml(formatClock(Date.parse(m.detectedAt)))} UTC</title></path>`);
  }
  if (m && t0 !== null && m.impact && m.rtoMs !== null) {
    const x = d.x(t0 + m.rtoMs);
    out.push(`<circle cx="${n(x)}" cy="${barY + barH / 2}" r="6" fill="#fff" stroke="${INK}" stroke-width="2.2"/>`);
    const label = `recovered: RTO ${formatMeasuredMs(m.rtoMs, m.resolutionMs)}`;
    const right = x + 10 + textWidth(label, 11) < W - 2;
    out.push(text(right ? x + 10 : x - 10, barY - 3, label, { size: 11, anchor: right ? 'start' : 'end', halo: true }));
  } else if (m && (m.coverage?.observations === 0 || (m.inconclusive && !m.impact))) {
    out.push(text(LEFT + PLOT_W - 4, barY - 3, m.coverage?.observations === 0 ? 'not observed in the hold: inconclusive' : 'gap in observation: inconclusive', { size: 11, anchor: 'end', weight: 'bold', halo: true }));
  } else if (m && m.impact && m.rtoMs === null) {
    const x = d.x(holdEnd);
    out.push(`<path d="M${n(x - 6)} ${barY + 3} L${n(x + 6)} ${barY + 15} M${n(x + 6)} ${barY + 3} L${n(x - 6)} ${barY + 15}" stroke="${INK}" stroke-width="3"/>`);
    out.push(text(x - 10, barY - 3, 'not recovered in the hold (breach)', { size: 11, anchor: 'end', weight: 'bold', halo: true }));
  } else if (m && !m.impact && t0 !== null) {
    out.push(text(d.x(t0) + 8, barY - 3, 'no impact', { size: 11, halo: true }));
  }
  out.push('</g>');
  return out.join('');
}

function axis(d: Domain, t0: number | null, y: number, laneTop: number): string {
  const origin = t0 ?? d.start;
  const step = niceStep(d.end - d.start, 9);
  const out: string[] = [`<line x1="${LEFT}" y1="${y}" x2="${LEFT + PLOT_W}" y2="${y}" stroke="${INK}" stroke-width="1"/>`];
  const first = origin - Math.floor((origin - d.start) / step) * step;
  for (let t = first; t <= d.end + 1; t += step) {
    const x = d.x(t);
    const rel = t - origin;
    const label = t0 === null ? formatClock(t) : rel === 0 ? 'T0' : `${rel > 0 ? '+' : ''}${formatDuration(rel, step)}`;
    out.push(`<line x1="${n(x)}" y1="${laneTop}" x2="${n(x)}" y2="${y}" stroke="#c8c8c8" stroke-width="0.6" stroke-dasharray="2 3"/>`);
    out.push(`<line x1="${n(x)}" y1="${y}" x2="${n(x)}" y2="${y + 5}" stroke="${INK}"/>`);
    out.push(text(x, y + 17, label, { anchor: 'middle', size: 11 }));
  }
  const caption = t0 === null ? 'time (UTC); no fault was applied' : `time relative to T0 = ${formatClock(t0)} UTC (fault applied to the last target node)`;
  out.push(text(LEFT + PLOT_W / 2, y + 33, caption, { anchor: 'middle', size: 11, fill: '#333' }));
  return out.join('');
}

interface LegendItem {
  swatch: string;
  label: string;
}

function legend(id: string, top: number, fromInjection: boolean): { svg: string; height: number } {
  // Results of older workers count detection and RTO from T0: the legend says what this one did.
  const origin = fromInjection ? 'injection start' : 'T0';
  const items: LegendItem[] = [
    { swatch: `<rect x="0" y="-9" width="22" height="12" fill="${HEALTHY}"/>`, label: 'healthy' },
    { swatch: `<rect x="0" y="-9" width="22" height="12" fill="url(#${id}-failing)" stroke="${FAIL_LINE}"/>`, label: 'failing (hatched)' },
    { swatch: '<rect x="0" y="-9" width="22" height="12" fill="#ededed" stroke="#9a9a9a" stroke-width="0.5"/>', label: 'no observation (between phases, longer than the tick spacing)' },
    { swatch: `<rect x="0" y="-10" width="22" height="14" fill="url(#${id}-gap)" stroke="${GAP_LINE}" stroke-width="1.2" stroke-dasharray="3 2"/>`, label: 'gap in observation (measured window)' },
    ...(fromInjection ? [{ swatch: `<rect x="0" y="-9" width="22" height="12" fill="${INJECT_FILL}" fill-opacity="0.45"/>`, label: 'injecting (first change to T0)' }] : []),
    { swatch: `<path d="M5 -9 L17 -9 L11 1 Z" fill="${INK}"/>`, label: `detected (first failure after ${origin})` },
    { swatch: `<circle cx="11" cy="-3" r="5.5" fill="#fff" stroke="${INK}" stroke-width="2.2"/>`, label: `recovered (${origin} + RTO)` },
    { swatch: `<path d="M5 -9 L17 3 M17 -9 L5 3" stroke="${INK}" stroke-width="3"/>`, label: 'not recovered (breach)' },
    { swatch: `<line x1="11" y1="-11" x2="11" y2="5" stroke="${INK}" stroke-width="2.5"/>`, label: 'T0: fault applied' },
    { swatch: `<line x1="11" y1="-11" x2="11" y2="5" stroke="#1f4e9c" stroke-width="2.5" stroke-dasharray="5 3"/>`, label: 'restore started' },
  ];
  const out: string[] = [];
  let x = LEFT;
  let y = top + 12;
  for (const item of items) {
    const w = 28 + textWidth(item.label, 11) + 18;
    if (x + w > W - RIGHT) {
      x = LEFT;
      y += 20;
    }
    out.push(`<g transform="translate(${n(x)} ${n(y)})">${item.swatch}${text(28, 1, item.label)}</g>`);
    x += w;
  }
  return { svg: `<g class="legend">${text(LEFT - 10, top + 13, 'Legend', { anchor: 'end', weight: 'bold' })}${out.join('')}</g>`, height: y - top + 12 };
}

function verticalMarker(x: number, top: number, bottom: number, label: string, style: 't0' | 'restore'): string {
  const stroke = style === 't0' ? `stroke="${INK}" stroke-width="2.5"` : 'stroke="#1f4e9c" stroke-width="2.5" stroke-dasharray="5 3"';
  return `<line x1="${n(x)}" y1="${top}" x2="${n(x)}" y2="${bottom}" ${stroke}/>`
    + text(x, top - 4, label, { anchor: 'middle', weight: 'bold', size: 11, halo: true, fill: style === 't0' ? INK : '#1f4e9c' });
}

/** The injection window over the lanes: first change to T0, then (drain) the evictions still going. */
function injectionWindow(result: DrillResult, d: Domain, top: number, bottom: number): string {
  const ms = result.measurements;
  if (!ms.injectStartedAt) return '';
  const from = Date.parse(ms.injectStartedAt);
  const t0 = ms.t0 ? Date.parse(ms.t0) : Date.parse(ms.holdEndedAt ?? '') || from;
  const x0 = d.x(from);
  const w = Math.max(2, d.x(t0) - x0);
  const out = [`<rect class="injection" x="${n(x0)}" y="${top}" width="${n(w)}" height="${bottom - top}" fill="${INJECT_FILL}" fill-opacity="0.45"><title>${escapeHtml(`injecting: first change ${formatClock(from)} UTC, T0 ${ms.t0 ? `${formatClock(t0)} UTC` : 'not reached'}`)}</title></rect>`];
  if (ms.drainCompletedAt) {
    const end = Date.parse(ms.drainCompletedAt);
    if (end > t0) {
      out.push(`<line x1="${n(d.x(t0))}" y1="${bottom - 3}" x2="${n(d.x(end))}" y2="${bottom - 3}" stroke="#b86a1f" stroke-width="2" stroke-dasharray="4 3"><title>${escapeHtml(`drain still evicting until ${formatClock(end)} UTC`)}</title></line>`);
    }
  }
  if (textWidth('injecting', 10) + 6 <= w) out.push(text(x0 + w / 2, top + 11, 'injecting', { anchor: 'middle', size: 10, fill: '#7a4f00', halo: true }));
  return out.join('');
}

function description(result: DrillResult): string {
  const parts = result.measurements.probes.map((m) => {
    if (m.coverage?.observations === 0) return `${m.probe}: not observed in the hold (inconclusive)`;
    if (m.inconclusive) return `${m.probe}: ${m.inconclusive} (inconclusive)`;
    if (!m.impact) return `${m.probe}: no impact`;
    if (m.rtoMs === null) return `${m.probe}: failed and did not recover within the hold (breach)`;
    return `${m.probe}: failed, recovered after ${formatMeasuredMs(m.rtoMs, m.resolutionMs)}`;
  });
  const phases = result.phases.filter((p) => CHART_PHASES.includes(p.phase)).map((p) => p.phase).join(', ');
  const ms = result.measurements;
  const inj = ms.injectStartedAt ? ` Injection from ${formatClock(Date.parse(ms.injectStartedAt))} UTC to T0 ${ms.t0 ? `${formatClock(Date.parse(ms.t0))} UTC` : 'not reached'}.` : '';
  return `Phases: ${phases || 'none'}.${inj} ${parts.join('; ') || 'No probe measurements.'}`;
}

/** The timeline chart of a drill as a self-contained SVG element. */
export function renderTimelineSvg(result: DrillResult, opts: { idPrefix?: string } = {}): string {
  const id = idSafe(opts.idPrefix ?? 'timeline');
  const title = `Timeline of drill ${result.drill.name}`;
  const d = domainOf(result);
  if (!d) {
    return `${svgOpen(id, W, 60, title, 'No timeline was recorded: the drill stopped before its baseline.')}`
      + `${text(W / 2, 35, 'No timeline recorded: the drill stopped before its baseline.', { anchor: 'middle', size: 13 })}</svg>`;
  }
  const bandY = 34;
  const bandH = 26;
  const laneTop = bandY + bandH + 26;
  const laneStep = 46;
  const lanesEnd = laneTop + Math.max(1, result.probes.length) * laneStep;
  const axisY = lanesEnd + 4;
  const legendTop = axisY + 44;
  const lg = legend(id, legendTop, Boolean(result.measurements.injectStartedAt));
  const height = legendTop + lg.height + 10;

  const t0 = result.measurements.t0 ? Date.parse(result.measurements.t0) : null;
  const holdPhase = result.phases.find((p) => p.phase === 'hold');
  const restoreStart = result.restore?.startedAt ?? result.phases.find((p) => p.phase === 'restore')?.startedAt;
  const holdEnd = holdPhase?.endedAt ? Date.parse(holdPhase.endedAt) : restoreStart ? Date.parse(restoreStart) : d.end;

  const out: string[] = [svgOpen(id, W, height, title, description(result)), patterns(id)];
  out.push(`<rect x="0" y="0" width="${W}" height="${height}" fill="#fff"/>`);
  out.push(text(LEFT - 10, bandY + bandH / 2 + 4, 'Phases', { anchor: 'end', weight: 'bold' }));
  out.push(phaseBands(result, d, bandY, bandH));
  out.push(axis(d, t0, axisY, laneTop - 4));
  out.push(injectionWindow(result, d, laneTop - 4, lanesEnd));
  if (result.probes.length === 0) out.push(text(LEFT + PLOT_W / 2, laneTop + 26, 'No probes were recorded.', { anchor: 'middle' }));
  for (const [i, probe] of result.probes.entries()) out.push(lane(result, probe, d, laneTop + i * laneStep, id, holdEnd));
  if (restoreStart) out.push(verticalMarker(d.x(Date.parse(restoreStart)), laneTop - 2, axisY, 'restore', 'restore'));
  if (t0 !== null) out.push(verticalMarker(d.x(t0), laneTop - 2, axisY, 'T0', 't0'));
  out.push(lg.svg);
  out.push('</svg>');
  return out.join('');
}
