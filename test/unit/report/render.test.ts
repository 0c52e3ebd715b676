import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../report/html.js';
import { renderMarkdown } from '../../../report/markdown.js';
import { objectiveRows } from '../../../report/verdict.js';
import { compareRuns, describeComparison } from '../../../report/compare.js';
import { abortedResult, failResult, noImpactResult, notRecoveredResult, passResult } from './fixtures/results.js';

/** The Markdown table that follows a "## title" heading, as rows of cells. */
function mdTable(md: string, title: string): string[][] {
  const section = (md.split(`\n## ${title}\n`)[1] ?? '').split('\n## ')[0] ?? '';
  return section.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.slice(2, -2).split(/(?<!\\) \| /));
}

describe('objective rows', () => {
  it('shows measured vs target, pass/fail and resolution for each objective', () => {
    const rows = objectiveRows(passResult());
    expect(rows.map((r) => [r.label, r.measured, r.target, r.status])).toEqual([
      ['RTO · checkout', '42 s ±1 s', '≤ 1 min', 'met'],
      ['RTO · payments', '1 min 30 s ±1 s', '≤ 2 min', 'met'],
      ['RPO · orders-store', '2 s ±2 s', '≤ 5 s', 'met'],
      ['Capacity recovery (overall)', '1 min 15 s ±5 s', '≤ 3 min', 'met'],
      ['Error budget (overall)', '3.4 %', '≤ 10 %', 'met'],
    ]);
  });

  it('says a missed objective failed', () => {
    const payments = objectiveRows(failResult())[1]!;
    expect(payments).toMatchObject({ label: 'RTO · payments', measured: '1 min 30 s ±1 s', target: '≤ 1 min', status: 'missed', statusText: '✗ missed' });
  });

  it('reports a probe that never recovered as a breach in words, never as a number', () => {
    const payments = objectiveRows(notRecoveredResult())[1]!;
    expect(payments.measured).toBe('not recovered (breach)');
    const md = renderMarkdown(notRecoveredResult());
    const row = mdTable(md, 'Objectives').find((r) => r[0] === 'RTO · payments')!;
    expect(row[1]).toBe('**not recovered (breach)**');
    expect(row[3]).toBe('**✗ missed**');
    expect(renderHtml(notRecoveredResult())).toContain('not recovered (breach)');
  });
});

describe('verdicts', () => {
  it.each([
    ['pass', passResult(), 'PASSED — every objective met', 'all 5 objectives met'],
    ['fail', failResult(), 'FAILED — at least one objective missed', '1 of 5 objectives missed: RTO payments'],
    ['aborted', abortedResult(), 'ABORTED — stopped early by a guardrail or an operator; infrastructure restored', 'aborted by operator alice@example.com'],
    ['not recovered', notRecoveredResult(), 'FAILED — at least one objective missed', 'not recovered within the hold'],
    ['no impact', noImpactResult(), 'PASSED — every objective met', 'no probe saw an impact'],
  ])('%s: page one states the outcome and the reason', (_name, result, headline, reason) => {
    const md = renderMarkdown(result);
    const html = renderHtml(result);
    expect(md).toContain(`**Verdict: `);
    expect(md).toContain(headline);
    expect(md).toContain(reason);
    expect(html).toContain(headline);
    expect(html).toContain(reason);
    // Page one comes before the timeline, in both formats.
    expect(md.indexOf('## Objectives')).toBeLessThan(md.indexOf('## Timeline'));
    expect(html.indexOf('class="objectives"')).toBeLessThan(html.indexOf('id="timeline"'));
  });

  it('names the operator who aborted, with the time', () => {
    const md = renderMarkdown(abortedResult());
    const rows = mdTable(md, 'Guardrails, approvals and operator actions');
    expect(rows).toContainEqual(['2026-11-03 14:04:10 UTC', 'operator', 'alice@example.com', 'abort: customer traffic spike']);
    expect(rows).toContainEqual(['2026-11-03 14:04:05 UTC', '**guardrail**', '—', 'payments failing for 115 s (limit 120 s)']);
    expect(md).toContain('- **Approved by:** bob@example.com');
  });

  it('says what did not fail over, and when everything did', () => {
    expect(renderMarkdown(failResult())).toContain('- **Deployment ops/deploy-console: nodeSelector pins it to zone-a; no replica elsewhere**');
    expect(renderMarkdown(passResult())).toContain('Everything watched by this drill failed over.');
  });

  it('marks a probe that never failed as "no impact"', () => {
    const md = renderMarkdown(noImpactResult());
    const probes = (md.split('## Timeline')[1] ?? '').split('\n').filter((l) => l.startsWith('| checkout'));
    expect(probes[0]).toContain('| no impact | no impact |');
  });

  it('lists pods that could not be evicted and the predicted single-zone workloads', () => {
    const md = renderMarkdown(failResult());
    expect(md).toContain('| data/orders-store-0 | node-a-1 | PodDisruptionBudget data/orders-store allows 0 disruptions |');
    expect(md).toContain('| Deployment ops/deploy-console | 1 | 1 in target, 0 outside | **loses all replicas** | 0 of 1 | **✗ not recovered** |');
  });
});

describe('since the previous run', () => {
  it('says "first run" without a previous run', () => {
    expect(renderMarkdown(passResult())).toContain('First run of this drill that injected a fault: nothing to compare with yet.');
    expect(compareRuns(passResult()).first).toBe(true);
  });

  it('lists newly failing objectives and RTO worse per probe', () => {
    const before = passResult({ startedAt: '2026-08-01T10:00:00Z', workflowId: 'prev-run' });
    const cmp = compareRuns(notRecoveredResult(), before);
    expect(cmp.newlyFailing.map((o) => o.probe)).toEqual(['payments']);
    expect(cmp.newlyPassing).toEqual([]);
    expect(cmp.rto.find((c) => c.probe === 'payments')).toMatchObject({ change: 'worse', before: 90_000, after: null });
    expect(cmp.rto.find((c) => c.probe === 'checkout')?.change).toBe('same');
    const md = renderMarkdown(notRecoveredResult(), before);
    expect(md).toContain('Compared with the previous run that injected a fault, prev-run of 2026-08-01 10:00:00 UTC (passed).');
    expect(md).toContain('- **Newly failing: RTO · payments**');
    expect(md).toContain('- **payments: RTO 1 min 30 s → not recovered (worse)**');
  });

  it('lists newly passing objectives, RTO better, and gaps fixed', () => {
    const before = failResult({ startedAt: '2026-08-01T10:00:00Z' });
    const now = passResult();
    now.measurements.probes[0]!.rtoMs = 20_000;
    const { lines } = describeComparison(compareRuns(now, before));
    expect(lines).toContain('Newly passing: RTO · payments');
    expect(lines).toContain('Fixed: Deployment ops/deploy-console now fails over');
    expect(lines).toContain('checkout: RTO 45 s → 20 s (better by 25 s)');
    expect(lines).toContain('payments: RTO 1 min 30 s → 1 min 30 s, unchanged within ±1 s');
  });
});

describe('html', () => {
  it('is self-contained: no script, no external resource, a CSP that forbids both, print styles', () => {
    const html = renderHtml(failResult());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|<img|<iframe|<object|@import|url\(\s*['"]?(https?:)?\/\//i);
    expect(html).not.toMatch(/\bsrc=/i);
    expect(html).toContain('default-src &#39;none&#39;');
    expect(html).toContain('@media print');
    expect(html).toContain('<svg');
  });

  it('links the workflow id to the Temporal UI, and shows the evidence', () => {
    const r = passResult();
    const html = renderHtml(r);
    expect(html).toContain(`<a href="${r.run.temporalUiUrl}"><code>${r.run.workflowId}</code></a>`);
    expect(html).toContain(r.drill.specSha256);
    expect(html).toContain(r.run.runId);
    expect(html).toContain('not sealed');
  });
});

describe('restore under API faults', () => {
  it('says how long restore waited for the Kubernetes API, with its retries and attempts', () => {
    const r = passResult();
    r.restore = { ...r.restore!, blockedMs: 11_300, apiRetries: 7, attempts: 2 };
    const md = renderMarkdown(r);
    expect(md).toContain('; waited 11 s for the Kubernetes API to answer (7 retried API call(s), 2 attempts).');
    expect(renderHtml(r)).toContain('waited 11 s for the Kubernetes API to answer');
  });

  it('says nothing of waiting when restore never waited', () => {
    expect(renderMarkdown(passResult())).not.toContain('for the Kubernetes API to answer');
  });
});
