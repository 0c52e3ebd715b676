import { escapeHtml } from './escape.js';
import { REPORT_CSS } from './html-style.js';

// One page shell for every HTML page firedrill writes (the report, the history index): the same
// head, the same strict Content-Security-Policy (no script, no external resource, so even a
// rendering bug cannot fetch or run anything when an auditor opens the file), the same style.

export const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export interface PageShell {
  title: string;
  /** The body's inner HTML, already escaped by the caller. */
  main: string;
  generator?: string;
  csp?: string;
  extraHead?: string;
}

export function htmlPage(p: PageShell): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(p.csp ?? HTML_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${p.generator ? `<meta name="generator" content="${escapeHtml(p.generator)}">\n` : ''}<title>${escapeHtml(p.title)}</title>
<style>${REPORT_CSS}</style>
${p.extraHead ?? ''}</head>
<body>
<main>
${p.main}
</main>
</body>
</html>
`;
}
