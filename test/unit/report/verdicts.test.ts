import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../../report/history.js';
import { renderHistoryHtml } from '../../../report/history-html.js';
import { renderHtml } from '../../../report/html.js';
import { renderMarkdown } from '../../../report/markdown.js';
import { findChromium, renderPdf } from '../../../report/pdf.js';
import { parseResultJson } from '../../../report/schema.js';
import { renderTimelineSvg } from '../../../report/timeline-svg.js';
import { objectiveRows } from '../../../report/verdict.js';
import { readPdf } from './fixtures/pdf-text.js';
import { inconclusiveResult, notRestoredResult, passResult } from './fixtures/results.js';

// Every format says `inconclusive` where the evidence is missing, shows each probe's coverage
// and the gaps, the injection window, and names a node a drill did not restore.

const squash = (s: string): string => s.replace(/\s+/g, '');

describe('inconclusive, coverage and the injection window in every format', () => {
  it('the objective row says inconclusive, with why, and is not counted as met', () => {
    const row = objectiveRows(inconclusiveResult())[1]!;
    expect(row).toMatchObject({ label: 'RTO · payments', status: 'inconclusive', statusText: '? inconclusive', measured: '1 min 30 s ±1 s' });
    expect(row.note).toMatch(/no observation for 1 min 10 s/);
  });

  it('Markdown: verdict INCONCLUSIVE, the rule, coverage per probe, the gaps, and the injection window', () => {
    const md = renderMarkdown(inconclusiveResult());
    expect(md).toContain('**Verdict: ? INCONCLUSIVE — not every objective could be shown met');
    expect(md).toContain('4 of 5 objectives met, 1 inconclusive');
    expect(md).toContain('| RTO · payments | 1 min 30 s ±1 s | ≤ 2 min | ? inconclusive |');
    expect(md).toContain('An objective is met only when its measured value plus its resolution is within the target');
    expect(md).toContain('| Probe | Detected | RTO | Failback | Coverage |');
    expect(md).toContain('| payments | T0+4 s | 1 min 30 s ±1 s (inconclusive) | 15 s ±1 s | 76.8 % of 5 min 3 s observed (233 observations), longest gap 1 min 10 s |');
    expect(md).toContain('- payments: no observation from T0+5 s to T0+1 min 15 s (1 min 10 s)');
    expect(md).toContain('Injection started (first node changed): 2026-11-03 14:02:07 UTC (T0−3 s)');
    expect(md).toContain('Drain completed: 2026-11-03 14:02:30 UTC (T0+20 s)');
    expect(md).toContain('Detection, RTO and capacity recovery count from the start of injection');
    expect(md).toContain('### Not observed well enough to judge');
  });

  it('HTML: the verdict box, the coverage column, and a timeline that marks the gap and the injection window', () => {
    const html = renderHtml(inconclusiveResult());
    expect(html).toContain('class="verdict outcome-inconclusive"');
    expect(html).toContain('INCONCLUSIVE — not every objective could be shown met');
    expect(html).toContain('<span class="tone-warn">? inconclusive</span>');
    expect(html).toContain('<span class="tone-warn">76.8 % of 5 min 3 s observed (233 observations), longest gap 1 min 10 s</span>');
    const svg = renderTimelineSvg(inconclusiveResult());
    expect((svg.match(/<rect class="gap"/g) ?? []).length).toBe(1);
    expect(svg).toContain('>gap 1 min 10 s</text>');
    expect(svg).toContain('<title>no observation 14:02:15–14:03:25 UTC (1 min 10 s)</title>');
    expect(svg).toContain('http · inconclusive (gap)');
    expect(svg).toContain('<rect class="injection"');
    expect(svg).toContain('>injecting (first change to T0)</text>');
    expect(svg).toContain('detected (first failure after injection start)');
    // A run without gaps draws none.
    expect(renderTimelineSvg(passResult())).not.toContain('<rect class="gap"');
  });

  it('the history index shows the run as inconclusive, not as a figure', () => {
    const e = historyEntry(inconclusiveResult(), 'zone-a-loss/run');
    expect(e.outcome).toBe('inconclusive');
    expect(e.rto).toMatchObject({ ms: null, status: 'not measured', inconclusive: true });
    const html = renderHistoryHtml([e, historyEntry(passResult({ startedAt: '2026-08-01T10:00:00.000Z', workflowId: 'older' }), 'zone-a-loss/older')]);
    expect(html).toContain('<span class="tone-warn">? inconclusive</span></td>');
    expect(html).toContain('<td>inconclusive</td>');
  });

  it('result.json with the new fields passes the schema check, and so do results without them', () => {
    expect(parseResultJson(JSON.stringify(inconclusiveResult()), 'r.json')).toMatchObject({ ok: true });
    expect(parseResultJson(JSON.stringify(passResult()), 'r.json')).toMatchObject({ ok: true });
    const bad = { ...inconclusiveResult(), outcome: 'maybe' };
    expect(parseResultJson(JSON.stringify(bad), 'r.json')).toMatchObject({ ok: false });
  });

  it('a node not restored is named on page one in Markdown and HTML, with outcome ERROR', () => {
    const md = renderMarkdown(notRestoredResult());
    expect(md).toContain('**Verdict: ! ERROR — the drill itself failed, or a node it changed was not restored**');
    expect(md).toContain('Reason: not restored: node-a-3');
    expect(md).toContain('**Not restored: node-a-3. The drill left a change behind; put it back by hand (see Restore).**');
    expect(md.indexOf('Not restored: node-a-3')).toBeLessThan(md.indexOf('## Timeline'));
    const html = renderHtml(notRestoredResult());
    expect(html).toContain('class="verdict outcome-error"');
    expect(html).toContain('<p class="tone-bad">Not restored: node-a-3.');
  });

  it('PDF (printed from the HTML): page one carries INCONCLUSIVE and the objective it is about', async () => {
    const chromium = await findChromium();
    if (!chromium.ok) return; // the PDF is optional where no Chromium is installed
    const dir = await mkdtemp(join(tmpdir(), 'firedrill-verdict-pdf-'));
    try {
      const file = join(dir, 'report.pdf');
      expect(await renderPdf(renderHtml(inconclusiveResult()), file)).toEqual({ ok: true, file });
      const pdf = await readFile(file);
      const poppler = spawnSync('pdftotext', ['-f', '1', '-l', '1', '-layout', file, '-'], { encoding: 'utf8' });
      const first = poppler.status === 0 ? poppler.stdout : readPdf(pdf).pageText(0);
      expect(squash(first)).toContain(squash('INCONCLUSIVE'));
      expect(squash(first)).toContain(squash('? inconclusive'));
      expect(squash(first)).toContain(squash('RTO · payments'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
