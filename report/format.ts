// Human figures for the report. A measured figure is shown no finer than the probe interval it
// was measured at, followed by that resolution ("42 s ±1 s"), so the report never claims more
// precision than it has.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Rounds to a display step that matches the resolution (1 ms, 10 ms, 100 ms, 1 s, 1 min). */
function stepFor(resolutionMs: number | undefined): number {
  if (resolutionMs === undefined || resolutionMs <= 0) return SECOND;
  if (resolutionMs >= MINUTE) return MINUTE;
  if (resolutionMs >= SECOND) return SECOND;
  if (resolutionMs >= 100) return 100;
  if (resolutionMs >= 10) return 10;
  return 1;
}

/** "850 ms", "4.2 s", "42 s", "3 min 12 s", "1 h 02 min", at the precision of `step`. */
export function formatDuration(ms: number, resolutionMs?: number): string {
  const step = stepFor(resolutionMs);
  const sign = ms < 0 ? '−' : '';
  const v = Math.round(Math.abs(ms) / step) * step;
  if (v < SECOND && step < SECOND) return `${sign}${v} ms`;
  if (v < MINUTE) {
    const digits = step >= SECOND ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3;
    return `${sign}${(v / SECOND).toFixed(digits)} s`;
  }
  if (v < HOUR) {
    const min = Math.floor(v / MINUTE);
    const s = Math.floor((v % MINUTE) / SECOND);
    return step >= MINUTE || s === 0 ? `${sign}${min} min` : `${sign}${min} min ${s} s`;
  }
  const h = Math.floor(v / HOUR);
  const min = Math.floor((v % HOUR) / MINUTE);
  return `${sign}${h} h ${String(min).padStart(2, '0')} min`;
}

/** "±1 s", "±250 ms". */
export function formatResolution(resolutionMs: number): string {
  const exact = resolutionMs % SECOND === 0 ? SECOND : resolutionMs % 100 === 0 ? 100 : 1;
  return `±${formatDuration(resolutionMs, exact)}`;
}

/** A measured duration with its resolution: "42 s ±1 s". */
export function formatMeasuredMs(ms: number, resolutionMs?: number): string {
  if (resolutionMs === undefined || resolutionMs <= 0) return formatDuration(ms);
  return `${formatDuration(ms, resolutionMs)} ${formatResolution(resolutionMs)}`;
}

/** A fraction as a percentage: 0.025 → "2.5 %". */
export function formatFraction(f: number): string {
  const pct = f * 100;
  const digits = pct !== 0 && Math.abs(pct) < 1 ? 2 : 1;
  return `${Number(pct.toFixed(digits))} %`;
}

/** "2026-11-03 14:02:11 UTC": UTC so every reader of a report sees the same clock. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "2026-11-03". */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** "14:02:11" (UTC). */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** Calendar quarter of a date, in UTC: "2026-Q4". */
export function quarterOf(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'unknown';
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** Milliseconds between two ISO times, or null when either is missing or invalid. */
export function spanMs(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? null : b - a;
}
