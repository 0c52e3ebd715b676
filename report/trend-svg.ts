import { escapeHtml } from './escape.js';
import { formatClock, formatDate, formatDuration } from './format.js';
import { fit, idSafe, n, svgOpen, text, textWidth } from './svg.js';

// A per-drill trend of one figure (RTO or RPO) across runs, grouped by calendar quarter, with
// the target as a dashed step line. Runs are evenly spaced (order matters, gaps do not). Shapes
// carry the meaning: circle within target, diamond over target, cross for a breach.

export interface TrendPoint {
  startedAt: string;
  quarter: string;
  /** Measured figure in ms; null for a breach or a run that measured nothing. */
  value: number | null;
  status: 'measured' | 'breach' | 'not measured';
  targetMs: number | null;
}

const W = 720;
const H = 232;
const LEFT = 70;
const RIGHT = 20;
const TOP = 34;
const PLOT_H = 130;
const INK = '#1b1b1b';
const LINE = '#1f4e9c';
const TARGET = '#a4241c';

/** A round upper bound and tick step for a duration axis. */
function yScale(max: number): { top: number; step: number } {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];
  const step = steps.find((s) => max / s <= 5) ?? Math.ceil(max / 5 / 3_600_000) * 3_600_000;
  return { top: Math.max(step, Math.ceil((max * 1.12) / step) * step), step };
}

/**
 * The label under each run: its date when every run is on a day of its own; else its time of day
 * (UTC), or its run number when even that does not fit, with the date once under each day's first run.
 */
export function xLabels(pts: TrendPoint[], slot: number): Array<{ main?: string; date?: string }> {
  const day = (p: TrendPoint): string => formatDate(p.startedAt);
  const shared = pts.some((p, k) => k > 0 && day(p) === day(pts[k - 1]!));
  if (!shared) return pts.map((p) => (slot >= 58 ? { main: day(p) } : {}));
  const minutes = pts.map((p) => formatClock(Date.parse(p.startedAt)).slice(0, 5));
  const seconds = minutes.some((m, k) => k > 0 && m === minutes[k - 1] && day(pts[k]!) === day(pts[k - 1]!));
  const clock = (p: TrendPoint, k: number): string => (seconds ? formatClock(Date.parse(p.startedAt)) : minutes[k]!);
  const fits = slot >= (seconds ? 50 : 34);
  return pts.map((p, k) => ({
    main: fits ? clock(p, k) : slot >= 18 ? `#${k + 1}` : undefined,
    ...(k === 0 || day(p) !== day(pts[k - 1]!) ? { date: day(p) } : {}),
  }));
}

export function renderTrendSvg(opts: { id: string; title: string; figure: string; points: TrendPoint[] }): string {
  const id = idSafe(opts.id);
  const pts = opts.points;
  const plotW = W - LEFT - RIGHT;
  const base = TOP + PLOT_H;
  const values = pts.flatMap((p) => [p.value ?? 0, p.targetMs ?? 0]);
  const { top, step } = yScale(Math.max(1000, ...values));
  const y = (ms: number): number => base - (Math.min(ms, top) / top) * PLOT_H;
  const slot = plotW / Math.max(1, pts.length);
  const x = (i: number): number => LEFT + slot * (i + 0.5);

  const desc = pts.map((p) => `${formatDate(p.startedAt)} ${formatClock(Date.parse(p.startedAt))} UTC (${p.quarter}): ${p.status === 'measured' ? formatDuration(p.value ?? 0) : p.status}`).join('; ');
  const out: string[] = [svgOpen(id, W, H, opts.title, `${opts.figure} per run, oldest first. ${desc || 'No runs.'}`)];
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  out.push(text(LEFT, 16, opts.title, { weight: 'bold', size: 13 }));

  // Quarter bands, alternately shaded, labelled under the axis.
  let i = 0;
  let band = 0;
  while (i < pts.length) {
    const q = pts[i]!.quarter;
    let j = i;
    while (j + 1 < pts.length && pts[j + 1]!.quarter === q) j++;
    const x0 = LEFT + slot * i;
    const w = slot * (j - i + 1);
    if (band % 2 === 0) out.push(`<rect x="${n(x0)}" y="${TOP}" width="${n(w)}" height="${PLOT_H}" fill="#f1f3f6"/>`);
    out.push(`<line x1="${n(x0)}" y1="${TOP}" x2="${n(x0)}" y2="${base + 40}" stroke="#c3c7cd" stroke-width="0.8"/>`);
    out.push(text(x0 + w / 2, base + 39, fit(q, w - 4, 11), { anchor: 'middle', weight: 'bold' }));
    band++;
    i = j + 1;
  }

  for (let v = 0; v <= top; v += step) {
    out.push(`<line x1="${LEFT}" y1="${n(y(v))}" x2="${W - RIGHT}" y2="${n(y(v))}" stroke="#d5d8dc" stroke-width="0.6"/>`);
    out.push(text(LEFT - 6, y(v) + 4, formatDuration(v, step < 1000 ? 100 : 1000), { anchor: 'end', size: 10 }));
  }
  out.push(`<line x1="${LEFT}" y1="${base}" x2="${W - RIGHT}" y2="${base}" stroke="${INK}"/>`);
  out.push(`<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${base}" stroke="${INK}"/>`);

  // Target: a dashed step line, since a drill's target can change between runs.
  const targetPath: string[] = [];
  pts.forEach((p, k) => {
    if (p.targetMs === null) return;
    const cmd = k > 0 && pts[k - 1]!.targetMs !== null ? 'L' : 'M';
    targetPath.push(`${cmd}${n(x(k) - slot / 2)} ${n(y(p.targetMs))} L${n(x(k) + slot / 2)} ${n(y(p.targetMs))}`);
  });
  if (targetPath.length) out.push(`<path d="${targetPath.join(' ')}" fill="none" stroke="${TARGET}" stroke-width="1.8" stroke-dasharray="7 4"/>`);

  // The measured line breaks where a run has no number.
  const segs: string[] = [];
  pts.forEach((p, k) => {
    if (p.value === null) return;
    segs.push(`${k > 0 && pts[k - 1]!.value !== null ? 'L' : 'M'}${n(x(k))} ${n(y(p.value))}`);
  });
  if (segs.length) out.push(`<path d="${segs.join(' ')}" fill="none" stroke="${LINE}" stroke-width="2"/>`);

  const labelValues = pts.length <= 12;
  const labels = xLabels(pts, slot);
  let dateEnd = Number.NEGATIVE_INFINITY;
  pts.forEach((p, k) => {
    const cx = x(k);
    const l = labels[k]!;
    if (l.main) out.push(text(cx, base + 14, l.main, { anchor: 'middle', size: 10, fill: '#444' }));
    // A day's date is skipped where the previous day's would overlap it: the tooltip still has it.
    if (l.date && cx - textWidth(l.date, 9) / 2 > dateEnd) {
      out.push(text(cx, base + 25, l.date, { anchor: 'middle', size: 9, fill: '#444' }));
      dateEnd = cx + textWidth(l.date, 9) / 2 + 4;
    }
    let marker: string;
    let label: string;
    if (p.status === 'breach') {
      const cy = TOP + 10;
      marker = `<path d="M${n(cx - 6)} ${n(cy - 6)} L${n(cx + 6)} ${n(cy + 6)} M${n(cx + 6)} ${n(cy - 6)} L${n(cx - 6)} ${n(cy + 6)}" stroke="${TARGET}" stroke-width="3"/>`;
      label = 'breach';
      out.push(marker, text(cx, cy + 20, label, { anchor: 'middle', size: 10, weight: 'bold', halo: true }));
      return;
    }
    if (p.status === 'not measured' || p.value === null) {
      out.push(text(cx, base - 6, 'n/a', { anchor: 'middle', size: 10, fill: '#666' }));
      return;
    }
    const cy = y(p.value);
    const over = p.targetMs !== null && p.value > p.targetMs;
    marker = over
      ? `<path d="M${n(cx)} ${n(cy - 7)} L${n(cx + 7)} ${n(cy)} L${n(cx)} ${n(cy + 7)} L${n(cx - 7)} ${n(cy)} Z" fill="${TARGET}" stroke="${INK}" stroke-width="1"/>`
      : `<circle cx="${n(cx)}" cy="${n(cy)}" r="5" fill="${LINE}" stroke="#fff" stroke-width="1.5"/>`;
    out.push(`<g>${marker}<title>${escapeHtml(`${formatDate(p.startedAt)} ${formatClock(Date.parse(p.startedAt))} UTC: ${formatDuration(p.value)}${over ? ' (over target)' : ''}`)}</title></g>`);
    if (labelValues) out.push(text(cx, cy - 10, formatDuration(p.value), { anchor: 'middle', size: 10, halo: true }));
  });

  // Legend.
  const items: Array<[string, string]> = [
    [`<line x1="0" y1="-4" x2="22" y2="-4" stroke="${LINE}" stroke-width="2"/><circle cx="11" cy="-4" r="4.5" fill="${LINE}"/>`, `${opts.figure} within target`],
    [`<path d="M11 -11 L18 -4 L11 3 L4 -4 Z" fill="${TARGET}" stroke="${INK}"/>`, 'over target'],
    [`<path d="M5 -10 L17 2 M17 -10 L5 2" stroke="${TARGET}" stroke-width="3"/>`, 'breach (not recovered)'],
    [`<line x1="0" y1="-4" x2="22" y2="-4" stroke="${TARGET}" stroke-width="1.8" stroke-dasharray="7 4"/>`, 'target'],
  ];
  let lx = LEFT;
  for (const [sw, label] of items) {
    out.push(`<g transform="translate(${n(lx)} ${H - 10})">${sw}${text(28, 0, label, { size: 10 })}</g>`);
    lx += 40 + textWidth(label, 10);
  }
  out.push('</svg>');
  return out.join('');
}
