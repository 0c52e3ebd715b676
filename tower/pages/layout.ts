import { escapeHtml, plainText } from '../../report/escape.js';
import { htmlPage } from '../../report/page-shell.js';
import { TOWER_CSS } from './style.js';

// The tower's page frame: the report's page shell with a stricter policy that allows exactly
// one script, the tower's own live-update file, and network access only back to the tower.

export const TOWER_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'";
/** The header adds what a meta element cannot say: no page may frame the tower (clickjacking). */
export const TOWER_CSP_HEADER = `${TOWER_CSP}; frame-ancestors 'none'`;
export const LIVE_SCRIPT_PATH = '/static/live.js';

const NAV: Array<[string, string]> = [['/', 'Now'], ['/schedules', 'Schedules'], ['/history', 'History']];

export interface TowerPage {
  title: string;
  /** Which navigation entry is current ('/', '/schedules', '/history'), if any. */
  section?: string;
  /** Inner HTML, already escaped. */
  body: string;
  /** The server-sent events URL of this page's live parts; without it the page loads no script. */
  live?: string;
}

export function towerPage(p: TowerPage): string {
  const nav = NAV.map(([href, label]) => `<a href="${href}"${p.section === href ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  const live = p.live
    ? `<p id="live-status" class="live-status" role="status">Live updates: connecting…</p><div id="live" data-src="${escapeHtml(p.live)}" hidden></div>`
    : '';
  return htmlPage({
    title: `${p.title} — firedrill tower`,
    csp: TOWER_CSP,
    extraHead: `<style>${TOWER_CSS}</style>\n${p.live ? `<script src="${LIVE_SCRIPT_PATH}" defer></script>\n` : ''}`,
    main: `<a class="skip" href="#content">Skip to content</a>
<nav class="top" aria-label="Tower"><span class="brand">firedrill tower</span>${nav}</nav>
${live}
<div id="content" tabindex="-1">
${p.body}
</div>`,
  });
}

/** One URL path segment; text that is not well-formed Unicode (a lone surrogate) cannot be encoded as is. */
export function segment(s: string): string {
  return encodeURIComponent(plainText(s));
}

/** The tower URL of a run's page. */
export function runHref(workflowId: string, suffix = ''): string {
  return `/runs/${segment(workflowId)}${suffix}`;
}

/** A link back inside the tower: an absolute path, never another site's URL. */
export function localPath(p: string | undefined): string | undefined {
  return p && p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/\\') ? p : undefined;
}
