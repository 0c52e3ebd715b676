import type { DrillResult } from './result.js';
import { escapeMarkdown, escapeMarkdownBlock, safeHref } from './escape.js';
import { buildReportModel, type Block, type Cell, type Section } from './model.js';

// The report as Markdown, for pull requests, wikis and tickets. Every piece of input text is
// escaped, so names and messages cannot break a table or inject HTML into a renderer.

/** `lineStart`: the cell begins a line (a list item), where block syntax could start. */
function cell(c: Cell, lineStart = false): string {
  const escape = lineStart ? escapeMarkdownBlock : escapeMarkdown;
  if (typeof c === 'string') return escape(c);
  // Code spans only for plain identifiers: inside a code span no escape would be undone.
  const t = c.code && /^[\w.:/@-]+$/.test(c.text) ? `\`${c.text}\`` : escape(c.text);
  const strong = c.tone === 'bad' ? `**${t}**` : t;
  const href = safeHref(c.href);
  return href ? `[${strong}](<${href}>)` : strong;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'facts':
      return b.pairs.map(([k, v]) => `- **${escapeMarkdown(k)}:** ${cell(v)}`).join('\n');
    case 'table': {
      const head = `| ${b.head.map(escapeMarkdown).join(' | ')} |`;
      const sep = `|${b.head.map(() => '---').join('|')}|`;
      return [head, sep, ...b.rows.map((r) => `| ${r.map((c) => cell(c)).join(' | ')} |`)].join('\n');
    }
    case 'list':
      return b.items.map((i) => `- ${cell(i, true)}`).join('\n');
    case 'para':
      return b.tone === 'bad' ? `**${escapeMarkdown(b.text)}**` : escapeMarkdownBlock(b.text);
    case 'heading':
      return `### ${escapeMarkdown(b.text)}`;
    case 'timeline':
      return '_The timeline chart is in report.html and report.pdf; the same facts in words follow._';
  }
}

function section(s: Section): string {
  return [`## ${escapeMarkdown(s.title)}`, ...s.blocks.map(block)].join('\n\n');
}

export function renderMarkdown(result: DrillResult, previous?: DrillResult | null): string {
  const m = buildReportModel(result, previous);
  return [
    `# ${escapeMarkdown(m.title)}`,
    `**Verdict: ${m.verdict.symbol} ${escapeMarkdown(m.verdict.headline)}**`,
    `Reason: ${escapeMarkdown(m.verdict.reason)}`,
    ...m.summary.map(section),
    ...m.body.map(section),
    '',
  ].join('\n\n');
}
