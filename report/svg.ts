// Small helpers shared by the SVG charts: numbers, text, and a rough text width for layout
// (charts are laid out without a browser, so widths are estimated, generously).
import { escapeHtml } from './escape.js';

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif";

/** Short decimal for coordinates: keeps the markup small and deterministic. */
export function n(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0';
}

export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}

/** Cuts text to a width, with an ellipsis; the caller keeps the full text in a <title>. */
export function fit(text: string, maxWidth: number, fontSize: number): string {
  const chars = [...text];
  const max = Math.max(1, Math.floor(maxWidth / (fontSize * 0.6)));
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export interface TextOpts {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  /** A white outline under the glyphs so labels stay legible over lines and hatching. */
  halo?: boolean;
}

export function text(x: number, y: number, content: string, o: TextOpts = {}): string {
  const halo = o.halo ? ' stroke="#fff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"' : '';
  return `<text x="${n(x)}" y="${n(y)}" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? 'start'}"`
    + ` font-weight="${o.weight ?? 'normal'}" fill="${o.fill ?? '#1b1b1b'}"${halo}>${escapeHtml(content)}</text>`;
}

/** Opening tag of an accessible, responsive chart. */
export function svgOpen(id: string, width: number, height: number, title: string, desc: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}"`
    + ` role="img" aria-labelledby="${id}-title ${id}-desc" font-family="${escapeHtml(FONT)}" class="chart" style="max-width:100%;height:auto">`
    + `<title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(desc)}</desc>`;
}

/** A "nice" tick step for a span: at most `maxTicks` ticks. */
export function niceStep(spanMs: number, maxTicks: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
  return steps.find((s) => spanMs / s <= maxTicks) ?? Math.ceil(spanMs / maxTicks / 86_400_000) * 86_400_000;
}

/** Id-safe fragment, so hostile names never end up inside id/url(#...) references. */
export function idSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}
