// Every string in a drill result can come from a drill file, a cluster or an operator, so all of
// it is treated as hostile text: one place to escape it for each output language.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// C0 controls other than tab and line breaks, lone surrogates, U+FFFE and U+FFFF.
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Characters XML forbids become U+FFFD: one of them makes a whole SVG unreadable, and in
 * Markdown a NUL or form feed is an invisible character that tools take for binary data.
 */
export function plainText(value: unknown): string {
  return String(value ?? '').replace(NOT_TEXT, '\ufffd');
}

/** Text for HTML and SVG element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return plainText(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
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
 * HTML such as `<script>` never reaches a renderer as a tag. Newlines would end a table row, and
 * tabs count as indentation: both become spaces.
 */
export function escapeMarkdown(value: unknown): string {
  return plainText(value)
    .replace(/\r?\n|\r|\t/g, ' ')
    .replace(/[\\`*_[\]<>|&#!~]/g, (c) => `\\${c}`);
}

/**
 * Markdown text that starts a line (a paragraph, a list item): leading indentation would make it
 * a code block, and a leading `-`, `+` or `1.` a (nested) list or a thematic break.
 */
export function escapeMarkdownBlock(value: unknown): string {
  return escapeMarkdown(value)
    .replace(/^[ \t]+/, '')
    .replace(/^[-+=]/, (c) => `\\${c}`)
    .replace(/^(\d{1,9})([.)])/, '$1\\$2');
}
