import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupHistory, historyEntry, historyJson } from '../../../report/history.js';
import { renderHistoryHtml } from '../../../report/history-html.js';
import { verifyResult } from '../../../report/evidence.js';
import { findPreviousResult, writeReports } from '../../../report/write.js';
import type { DrillResult } from '../../../report/result.js';
import { failResult, notRecoveredResult, passResult } from './fixtures/results.js';

const runs = (): DrillResult[] => [
  failResult({ startedAt: '2026-05-12T09:00:00Z', workflowId: 'run-q2' }),
  passResult({ startedAt: '2026-02-10T09:00:00Z', workflowId: 'run-q1' }),
  notRecoveredResult({ startedAt: '2026-08-11T09:00:00Z', workflowId: 'run-q3' }),
];

describe('history model', () => {
  it('three runs of one drill in different quarters make a trend of three points, in order', () => {
    const [drill] = groupHistory(runs().map((r) => historyEntry(r, `zone-a-loss/${r.run.workflowId}`)));
    expect(drill!.drill).toBe('zone-a-loss');
    expect(drill!.runs.map((e) => e.workflowId)).toEqual(['run-q1', 'run-q2', 'run-q3']);
    expect(drill!.trend.rto.map((p) => [p.quarter, p.status, p.value])).toEqual([
      ['2026-Q1', 'measured', 90_000],
      ['2026-Q2', 'measured', 90_000],
      ['2026-Q3', 'breach', null],
    ]);
    // Target: the loosest per-probe RTO objective of each run (payments was tightened to 1 min in Q2).
    expect(drill!.trend.rto.map((p) => p.targetMs)).toEqual([120_000, 60_000, 120_000]);
    expect(drill!.trend.rpo.map((p) => p.value)).toEqual([2000, 2000, 2000]);
    expect(drill!.runs.map((e) => `${e.objectivesMet}/${e.objectivesTotal}`)).toEqual(['5/5', '4/5', '4/5']);
  });

  it('renders a trend chart per drill with quarter labels and the run table', () => {
    const html = renderHistoryHtml(runs().map((r) => historyEntry(r, `zone-a-loss/${r.run.workflowId}`)));
    for (const q of ['2026-Q1', '2026-Q2', '2026-Q3']) expect(html).toContain(`>${q}</text>`);
    expect(html).toContain('RTO (worst probe) per run: zone-a-loss');
    expect(html).toContain('✗ not recovered (breach)');
    expect(html).toContain('href="zone-a-loss/run-q3/report.html"');
    const q = html.indexOf('2026-08-11 09:00:00 UTC');
    expect(q).toBeGreaterThan(-1);
    expect(q).toBeLessThan(html.indexOf('2026-02-10 09:00:00 UTC')); // the run table lists newest first
  });

  it('a run that never applied its fault has no RTO point', () => {
    const refused = passResult();
    refused.outcome = 'refused';
    refused.measurements.t0 = null;
    expect(historyEntry(refused, 'x/y').rto.status).toBe('not measured');
  });
});

describe('writing reports', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firedrill-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes sealed result.json, md and html per run, and the history index over all runs', async () => {
    for (const r of runs()) {
      const out = await writeReports(r, { outDir: dir, formats: ['json', 'md', 'html'] });
      expect(out.warnings).toEqual([]);
      expect(out.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
        `index.html`, 'index.json',
        `zone-a-loss/${r.run.workflowId}/report.html`, `zone-a-loss/${r.run.workflowId}/report.md`, `zone-a-loss/${r.run.workflowId}/result.json`,
      ].sort());
    }
    const stored = JSON.parse(await readFile(join(dir, 'zone-a-loss/run-q2/result.json'), 'utf8')) as DrillResult;
    expect(verifyResult(stored).ok).toBe(true);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ReturnType<typeof historyJson>;
    expect(index.drills[0]!.trend.rto.map((p) => p.quarter)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3']);
    // The Q3 report was compared with the Q2 run, found on disk.
    const md = await readFile(join(dir, 'zone-a-loss/run-q3/report.md'), 'utf8');
    expect(md).toContain('Compared with the previous run that injected a fault, run-q2 of 2026-05-12 09:00:00 UTC (failed).');
    expect((await readdir(join(dir, 'zone-a-loss/run-q3'))).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('finds the previous run of the same drill before a date', async () => {
    for (const r of runs()) await writeReports(r, { outDir: dir, formats: ['json'], previous: null });
    expect((await findPreviousResult(dir, 'zone-a-loss', '2026-08-11T09:00:00Z'))?.run.workflowId).toBe('run-q2');
    expect((await findPreviousResult(dir, 'zone-a-loss', '2026-03-01T00:00:00Z'))?.run.workflowId).toBe('run-q1');
    expect(await findPreviousResult(dir, 'zone-a-loss', '2026-01-01T00:00:00Z')).toBeNull();
    expect(await findPreviousResult(dir, 'other-drill', '2027-01-01T00:00:00Z')).toBeNull();
  });

  it('keeps a tampered seal and says so instead of re-sealing it', async () => {
    const r = { ...passResult(), evidence: { resultSha256: '0'.repeat(64) } };
    const out = await writeReports(r, { outDir: dir, formats: ['html'], previous: null });
    expect(out.warnings.join('\n')).toContain('was changed after it was sealed');
    expect(await readFile(join(dir, 'zone-a-loss', r.run.workflowId, 'report.html'), 'utf8')).toContain('DOES NOT MATCH');
  });

  it('writes every other format and a clear warning when Chromium is absent', async () => {
    const saved = process.env.FIREDRILL_CHROMIUM;
    process.env.FIREDRILL_CHROMIUM = join(dir, 'no-such-chromium');
    try {
      const out = await writeReports(passResult(), { outDir: dir, previous: null });
      expect(out.warnings).toHaveLength(1);
      expect(out.warnings[0]).toMatch(/^PDF not written: no Chromium at .*no-such-chromium.*FIREDRILL_CHROMIUM/);
      expect(out.files.some((f) => f.endsWith('report.html'))).toBe(true);
      expect(out.files.some((f) => f.endsWith('report.md'))).toBe(true);
      expect(out.files.some((f) => f.endsWith('report.pdf'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.FIREDRILL_CHROMIUM;
      else process.env.FIREDRILL_CHROMIUM = saved;
    }
  });

  it('skips unreadable result files in the history with a warning', async () => {
    await writeReports(passResult(), { outDir: dir, formats: ['json'], previous: null });
    await mkdir(join(dir, 'zone-a-loss', 'broken'), { recursive: true });
    await writeFile(join(dir, 'zone-a-loss', 'broken', 'result.json'), '{ not json');
    const out = await writeReports(failResult({ workflowId: 'second', startedAt: '2026-12-01T00:00:00Z' }), { outDir: dir, formats: ['json'] });
    expect(out.warnings.join('\n')).toMatch(/skipped .*broken.*not valid JSON/);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ReturnType<typeof historyJson>;
    expect(index.drills[0]!.runs).toHaveLength(2);
  });
});
