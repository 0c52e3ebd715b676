import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../../report/history.js';
import { renderHistoryHtml } from '../../../report/history-html.js';
import { renderHtml } from '../../../report/html.js';
import { renderMarkdown } from '../../../report/markdown.js';
import { renderTimelineSvg } from '../../../report/timeline-svg.js';
import { EVIL, hostileResult } from './fixtures/results.js';

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('hostile text renders inert', () => {
  const r = hostileResult();

  it('HTML: no script tag, no premature </svg>, no javascript: link, input still readable', () => {
    const html = renderHtml(r);
    expect(html).not.toMatch(/<script/i);
    expect(count(html, /<svg\b/g)).toBe(1);
    expect(count(html, /<\/svg>/g)).toBe(1);
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;/svg&gt;');
    // Every field the brief names reaches the page, escaped.
    for (const field of ['desc ', 'pdb ', 'pinned ', 'abort ', 'guard ', 'approver', 'mallory', 'eve', 'checkout', 'err ', 'ctx', 'reason ']) {
      expect(html).toContain(`${field}&lt;script&gt;`);
    }
    expect(count(html, /&lt;script&gt;/g)).toBeGreaterThan(15);
  });

  it('SVG on its own: hostile probe names stay text', () => {
    const svg = renderTimelineSvg(r);
    expect(svg).not.toMatch(/<script/i);
    expect(count(svg, /<\/svg>/g)).toBe(1);
    expect(svg.endsWith('</svg>')).toBe(true);
    // Ids and url(#...) references are built from a sanitised prefix only.
    expect(renderTimelineSvg(r, { idPrefix: `x"${EVIL}` })).not.toMatch(/id="[^"]*[<>'&]/);
  });

  it('history index: hostile drill names stay text', () => {
    const html = renderHistoryHtml([historyEntry(r, 'drill_script_/wf')]);
    expect(html).not.toMatch(/<script/i);
    expect(count(html, /<svg\b/g)).toBe(count(html, /<\/svg>/g));
  });

  it('Markdown: no raw HTML, and pipes/backticks cannot break tables or open code spans', () => {
    const md = renderMarkdown(r);
    expect(md).not.toMatch(/(?<!\\)<script/i);
    expect(md).not.toMatch(/(?<!\\)<\/svg/i);
    // Every backtick from input is escaped; the only code spans are the ones we make for hashes.
    const stray = md.replace(/`[0-9a-f]{64}`|`[\w.:/@-]+`/g, '').match(/(?<!\\)`/g);
    expect(stray).toBeNull();
    // Each table row has exactly as many unescaped pipes as its header.
    const lines = md.split('\n');
    let header = 0;
    for (const line of lines) {
      if (!line.startsWith('|')) {
        header = 0;
        continue;
      }
      const pipes = count(line, /(?<!\\)\|/g);
      if (header === 0) header = pipes;
      expect(pipes, line).toBe(header);
    }
    expect(md).toContain('\\<script\\>alert(1)\\</script\\>"\'\\&\\</svg\\>\\|\\`x\\`');
  });
});
