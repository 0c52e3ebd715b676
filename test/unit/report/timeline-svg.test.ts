import { describe, expect, it } from 'vitest';
import { renderTimelineSvg } from '../../../report/timeline-svg.js';
import { renderTrendSvg } from '../../../report/trend-svg.js';
import { noImpactResult, notRecoveredResult, passResult } from './fixtures/results.js';

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('timeline chart', () => {
  it('has phase bands, one lane per probe, and markers for T0, detection, recovery and restore', () => {
    const svg = renderTimelineSvg(passResult());
    for (const phase of ['baseline', 'hold · 5 min', 'failback']) expect(svg).toContain(`>${phase}</text>`);
    expect(count(svg, /<g class="lane">/g)).toBe(4);
    expect(svg).toContain('>T0</text>');
    expect(svg).toContain('>restore</text>');
    expect(count(svg, /<title>detected /g)).toBe(3);
    expect(count(svg, /<circle [^>]*r="6"/g)).toBe(3);
    expect(svg).toContain('recovered: RTO 42 s ±1 s');
    expect(svg).toContain('>no impact</text>');
    expect(svg).toMatch(/role="img" aria-labelledby="timeline-title timeline-desc"/);
  });

  it('does not rely on colour: failing stretches are hatched and named in the legend', () => {
    const svg = renderTimelineSvg(notRecoveredResult());
    expect(svg).toContain('<pattern id="timeline-failing"');
    expect(count(svg, /fill="url\(#timeline-failing\)"/g)).toBe(4); // 3 lanes with a failure + the legend swatch
    expect(svg).toContain('>failing</text>');
    expect(svg).toContain('not recovered in the hold (breach)');
    for (const label of ['healthy', 'failing (hatched)', 'detected (first failure after T0)', 'recovered (T0 + RTO)', 'not recovered (breach)', 'T0: fault applied', 'restore started']) {
      expect(svg).toContain(`>${label}</text>`);
    }
  });

  it('a drill with no impact shows every lane healthy and no detection', () => {
    const svg = renderTimelineSvg(noImpactResult());
    expect(svg).not.toContain('<title>detected');
    expect(count(svg, />no impact<\/text>/g)).toBe(4);
  });

  it('a drill stopped before its baseline says so instead of drawing an empty chart', () => {
    const r = passResult();
    r.phases = r.phases.filter((p) => p.phase === 'preflight');
    r.probes = [];
    expect(renderTimelineSvg(r)).toContain('No timeline recorded');
  });
});

describe('trend chart', () => {
  it('draws one marker per run: circle within target, diamond over, cross for a breach', () => {
    const svg = renderTrendSvg({
      id: 't', title: 'RTO', figure: 'RTO', points: [
        { startedAt: '2026-02-01T00:00:00Z', quarter: '2026-Q1', value: 40_000, status: 'measured', targetMs: 60_000 },
        { startedAt: '2026-05-01T00:00:00Z', quarter: '2026-Q2', value: 90_000, status: 'measured', targetMs: 60_000 },
        { startedAt: '2026-08-01T00:00:00Z', quarter: '2026-Q3', value: null, status: 'breach', targetMs: 60_000 },
      ],
    });
    expect(count(svg, /<circle /g)).toBe(2); // one point + the legend swatch
    expect(svg).toContain('<title>2026-05-01 00:00:00 UTC: 1 min 30 s (over target)</title>');
    expect(svg).toContain('>breach</text>');
    const quarters = [...svg.matchAll(/>(2026-Q\d)<\/text>/g)].map((m) => m[1]);
    expect(quarters).toEqual(['2026-Q1', '2026-Q2', '2026-Q3']);
    expect(svg).toContain('stroke-dasharray="7 4"');
  });
});
