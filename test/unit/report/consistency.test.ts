import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyEntry } from '../../../report/history.js';
import { renderHistoryHtml } from '../../../report/history-html.js';
import { renderHtml } from '../../../report/html.js';
import { renderMarkdown } from '../../../report/markdown.js';
import { renderTimelineSvg } from '../../../report/timeline-svg.js';
import { findPreviousResult, writeReports } from '../../../report/write.js';
import { xLabels, type TrendPoint } from '../../../report/trend-svg.js';
import { objectiveNote, objectiveRows } from '../../../report/verdict.js';
import { evaluateObjectives, measureCapacity } from '../../../workflows/measure.js';
import { failResult, passResult, refusedResult, secondDemoRunResult } from './fixtures/results.js';

// A report never contradicts itself: the verdict, the lists under it, the windows and the
// probe states say the same thing in every place they appear (issue 18, items 10-15).

/** The Markdown of one "## title" section. */
function mdSection(md: string, title: string): string {
  return (md.split(`\n## ${title}\n`)[1] ?? '').split('\n## ')[0] ?? '';
}

describe('10: the verdict and "What did not fail over" agree', () => {
  it('a PASSED drill shows what no objective covers as a warning with why, never in the failure style', () => {
    const md = renderMarkdown(secondDemoRunResult());
    expect(md).toContain('PASSED — every objective met');
    const section = mdSection(md, 'What did not fail over');
    expect(section).not.toContain('**');
    expect(section).toContain('- probe monitoring: did not recover within the hold (not counted: no RTO objective covers probe monitoring)');
    expect(section).toContain('No objective of this drill covers these, so they did not count towards the verdict');
    const html = renderHtml(secondDemoRunResult());
    expect(html).toContain('<li><span class="tone-warn">probe monitoring: did not recover within the hold (not counted');
    expect(html).not.toMatch(/tone-bad">probe monitoring/);
  });

  it('an item an objective covers stays in the failure style', () => {
    const section = mdSection(renderMarkdown(failResult()), 'What did not fail over');
    expect(section).toContain('- **Deployment ops/deploy-console: nodeSelector pins it to zone-a; no replica elsewhere**');
  });

  it('approval not required but given at start says so in one phrase', () => {
    const md = renderMarkdown(secondDemoRunResult());
    expect(md).toContain('- **Required:** not required (approved at start by demo)');
    expect(md).not.toMatch(/Required:\*\* no\b/);
  });
});

describe('11: ready outside the target is what was measured', () => {
  it('the last observation is the figure, null is "not observed"', () => {
    const seen = measureCapacity({ kind: 'Deployment', namespace: 'demo', name: 'payments', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [], readyOutsideLast: 2 }, 0);
    expect(seen.readyOutsideAfter).toBe(2);
    const unseen = measureCapacity({ kind: 'Deployment', namespace: 'demo', name: 'payments', desired: 3, readyBefore: 3, readyInTargetBefore: 1, segments: [] }, 0);
    expect(unseen.readyOutsideAfter).toBeNull();
    const r = failResult();
    r.measurements.capacity!.workloads[1]!.readyOutsideAfter = 2;
    r.measurements.capacity!.workloads[2]!.readyOutsideAfter = null;
    const md = renderMarkdown(r);
    expect(md).toMatch(/\| Deployment shop\/payments \| 3 \| 1 in target, 2 outside \| keeps some \| 2 of 3 \|/);
    expect(md).toMatch(/\| StatefulSet data\/orders-store \| 3 \| 1 in target, 2 outside \| keeps some \| not observed \|/);
  });
});

describe('12: the fault window and the hold are the same everywhere', () => {
  it('overview, timeline text, phase table and chart state injection 3 s and hold 45 s', () => {
    const r = secondDemoRunResult();
    const md = renderMarkdown(r);
    expect(md).toContain('- **Fault:** drain, 48 s in place: injecting 3 s (first change → T0), then held 45 s (T0 → restore start)');
    expect(md).toContain('Fault window (first change → restore start): 48 s in place');
    expect(md).toContain('| hold | 2026-11-03 14:02:22 UTC | 2026-11-03 14:02:55 UTC | 33 s | hold (T0 → restore start): 45 s;');
    expect(md).not.toContain('held 45 s`');
    const svg = renderTimelineSvg(r);
    expect(svg).toContain('>hold · 45 s</text>');
    expect(svg).not.toContain('hold · 33 s');
  });

  it('a result without the injection start, and an injection stopped before T0, say only what is known', () => {
    expect(renderMarkdown(passResult())).toContain('- **Fault:** drain, 5 min in place: held 5 min (T0 → restore start)');
    const stopped = secondDemoRunResult();
    stopped.measurements.t0 = null;
    stopped.injection!.t0 = null;
    expect(renderMarkdown(stopped)).toContain('- **Fault:** drain, 48 s in place: T0 not reached (the injection was stopped first)');
    expect(renderHtml(secondDemoRunResult())).toContain('○ recovery (injection start + RTO)');
  });

  it('a hold cut short says how long it was planned', () => {
    const r = secondDemoRunResult();
    r.drill.holdMs = 60_000;
    expect(renderMarkdown(r)).toContain('then held 45 s (T0 → restore start; timing.hold 1 min)');
  });
});

describe('13: probe states, the chart, breach, columns, actions, context, version', () => {
  const md = renderMarkdown(secondDemoRunResult());

  it('merges adjacent segments of one state and never prints T0−0 s or a zero-length segment', () => {
    expect(md).toContain('- checkout (http, every 1 s): healthy T0−1 min 10 s to T0−134 ms; FAILING T0+1 s to T0+4 s (HTTP 503); healthy T0+5 s to T0+1 min');
    expect(md).not.toContain('T0−0 s');
    expect(md).not.toMatch(/(T0[^ ;]*) to \1[;\n]/);
  });

  it('says "no observation" in the text where the chart shows it, and draws ordinary tick spacing through', () => {
    const r = secondDemoRunResult();
    r.probes[0]!.segments[4]!.from = new Date(Date.parse(r.probes[0]!.segments[3]!.to) + 10_000).toISOString();
    expect(renderMarkdown(r)).toMatch(/healthy T0\+5 s to T0\+45 s; no observation T0\+45 s to T0\+55 s; healthy T0\+55 s to T0\+1 min/);
    const svg = renderTimelineSvg(secondDemoRunResult());
    // One bar per state run (checkout: 3, monitoring: 3), not one per recorded segment (9).
    expect(svg.match(/height="18" fill="(?:#3d8b4f|url\(#timeline-failing\))"/g)).toHaveLength(6);
    expect(svg).toContain('no observation (between phases, longer than the tick spacing)');
  });

  it('a breach says breach once', () => {
    const [rto] = evaluateObjectives([{ type: 'rto', probe: 'p', target: 30_000 }], {
      t0: null, rpo: [], capacity: null, failback: null, errorBudget: { failed: 0, total: 0, used: 0 },
      probes: [{ probe: 'p', resolutionMs: 1000, detectedAt: null, rtoMs: null, impact: true, recovered: false, failbackMs: null }],
    });
    expect(objectiveNote(rto!)).toBe('not recovered within the hold');
    const old = failResult();
    Object.assign(old.objectives[1]!, { measured: null, note: 'not recovered within the hold: breach' });
    const row = objectiveRows(old)[1]!;
    expect(`${row.measured} ${row.note}`).toBe('not recovered (breach) not recovered within the hold');
  });

  it('drops the resolution column that repeats each cell\'s ±', () => {
    expect(md).toContain('| Probe | Detected | RTO | Failback | Coverage |');
    expect(md).not.toContain('| Resolution |');
  });

  it('a drain lists drain, not cordon', () => {
    expect(md).toContain('| node-a-1 | zone-a | drain (cordon, evict) | no | ✓ yes |');
  });

  it('states the cluster context, and the version once', () => {
    expect(md).toContain('- **Cluster context:** the worker\'s current kube context (its name was not recorded)');
    expect(renderMarkdown(passResult())).toContain('- **Cluster context:** kwok-firedrill');
    expect(md.match(/firedrill version/g)).toHaveLength(1);
    const html = renderHtml(passResult());
    expect(html.match(/0\.1\.0/g)?.length).toBe(2); // the generator meta tag and the Evidence section
  });
});

describe('14: comparisons, refused runs and the history axis', () => {
  it('compares with the last run that injected, not a refused one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-prev-'));
    try {
      await writeReports(passResult({ startedAt: '2026-11-01T09:00:00Z', workflowId: 'injected' }), { outDir: dir, formats: ['md'], previous: null });
      await writeReports(refusedResult({ startedAt: '2026-11-02T09:00:00Z', workflowId: 'refused' }), { outDir: dir, formats: ['md'], previous: null });
      const prev = await findPreviousResult(dir, 'zone-a-loss', '2026-11-03T09:00:00Z');
      expect(prev?.run.workflowId).toBe('injected');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const md = renderMarkdown(passResult(), refusedResult({ startedAt: '2026-11-02T09:00:00Z', workflowId: 'refused' }));
    expect(md).toContain('First run of this drill that injected a fault: nothing to compare with yet.');
  });

  it('a refused run shows "not run", not "0 of 0 objectives met"', () => {
    const md = renderMarkdown(refusedResult());
    expect(md).toContain('- **Objectives:** not run: no fault was injected');
    expect(md).not.toContain('0 of 0');
    const html = renderHistoryHtml([historyEntry(refusedResult(), 'd/r')]);
    expect(html).toContain('<td>not run</td>');
    expect(html).not.toContain('0 of 0');
  });

  it('runs of one day are told apart on the x-axis: time of day, the date once', () => {
    const pt = (startedAt: string): TrendPoint => ({ startedAt, quarter: '2026-Q4', value: 1000, status: 'measured', targetMs: null });
    const pts = [pt('2026-11-03T09:00:00Z'), pt('2026-11-03T09:20:00Z'), pt('2026-11-04T08:00:00Z')];
    expect(xLabels(pts, 200)).toEqual([{ main: '09:00', date: '2026-11-03' }, { main: '09:20' }, { main: '08:00', date: '2026-11-04' }]);
    expect(xLabels(pts, 20).map((l) => l.main)).toEqual(['#1', '#2', '#3']);
    expect(xLabels([pt('2026-11-03T09:00:00Z'), pt('2026-11-05T09:00:00Z')], 200)).toEqual([{ main: '2026-11-03' }, { main: '2026-11-05' }]);
    const html = renderHistoryHtml(['09:00', '09:20'].map((t, i) => historyEntry(passResult({ startedAt: `2026-11-03T${t}:00.000Z`, workflowId: `r${i}` }), `d/r${i}`)));
    expect(html).toContain('>09:00</text>');
    expect(html).toContain('>09:20</text>');
  });
});

describe('15: a workload the target did not hold was not tested', () => {
  it('says the drill could not test its failover instead of "no impact" or "keeps some"', () => {
    const md = renderMarkdown(secondDemoRunResult());
    expect(mdSection(md, 'What did not fail over')).toContain('- Deployment shop/payments: the target held none of its 3 replicas at preflight (they had already left it, e.g. after an earlier run): this drill could not test its failover');
    expect(md).toContain('| Deployment shop/payments | 3 | 0 in target, 3 outside | none in the target: failover not tested |');
    expect(md).not.toContain('Everything watched by this drill failed over.');
  });

  it('a share well under an even spread is a partial test', () => {
    const r = passResult();
    r.plan!.workloads[0]!.readyInTarget = 0;
    r.plan!.workloads[0]!.desired = 12;
    r.plan!.clusterNodes = 8; // 4 of 8 nodes: an even spread puts 6 of 12 in the target
    r.plan!.workloads[0]!.readyInTarget = 1;
    expect(renderMarkdown(r)).toContain('Deployment shop/checkout: the target held only 1 of its 12 replicas at preflight (an even spread puts 6 there): its failover was tested only in part');
  });
});
