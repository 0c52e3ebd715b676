// Every string in a drill result can come from a drill file, a cluster or an operator, so all of
// it is treated as hostile text: one place to escape it for each output language.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML and SVG element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** An href that cannot run script: only http(s) URLs pass, anything else yields undefined. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Markdown inline text: backslash-escape the punctuation that could start markup (CommonMark
 * allows a backslash before any ASCII punctuation), so input renders as the text it is and raw
 * HTML such as `<script>` never reaches a renderer as a tag. Newlines would end a table row.
 */
export function escapeMarkdown(value: unknown): string {
  return String(value ?? '')
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_[\]<>|&#!~]/g, (c) => `\\${c}`);
}
