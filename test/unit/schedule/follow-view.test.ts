import { describe, expect, it } from 'vitest';
import { drillView, viewEvents } from '../../../client/follow-view.js';
import { eventLine, panelLines } from '../../../cli/follow.js';
import type { DrillSpec } from '../../../drills/schema/index.js';
import type { ProbeSegment } from '../../../report/result.js';
import type { DrillStatus } from '../../../workflows/contract.js';

const T0 = Date.parse('2026-04-08T03:00:10Z');
const iso = (ms: number) => new Date(ms).toISOString();
const seg = (from: number, to: number, healthy: boolean, error?: string): ProbeSegment => ({ from: iso(T0 + from), to: iso(T0 + to), healthy, count: 1, ...(error ? { error } : {}) });
const spec = {
  probes: [{ name: 'web', type: 'http', interval: 1000, tolerance: { stableFor: 3000 } }],
  objectives: [{ type: 'rto', probe: 'web', target: 30_000 }],
} as unknown as DrillSpec;
const status = (phase: DrillStatus['phase'], probes: DrillStatus['probes'] = []): DrillStatus => ({ phase, startedAt: iso(T0 - 10_000), t0: iso(T0), journal: [], probes });

describe('the live drill view', () => {
  it('runs the RTO clock from T0 while a probe fails, and stops it once stable again', () => {
    const hold = new Map<string, ProbeSegment[]>();
    const failing = drillView('wf', status('hold'), { observe: { startedAt: T0, probes: { web: [seg(0, 1000, true), seg(2000, 5000, false, 'HTTP 503')] } } }, spec, hold, T0 + 6000);
    expect(failing.probes[0]).toMatchObject({ healthy: false, since: iso(T0 + 2000), error: 'HTTP 503', rto: { state: 'running', ms: 6000, targetMs: 30_000 } });
    expect(panelLines(failing, T0 + 6000)).toEqual([
      '▶ wf  phase hold  elapsed 16.0s  T0 +6.0s',
      '  web       FAILING 4.0s     RTO clock 6.0s / target 30.0s  (HTTP 503)',
      '  Ctrl-C: abort the drill or detach',
    ]);

    const recovered = drillView('wf', status('hold'), { observe: { startedAt: T0, probes: { web: [seg(0, 1000, true), seg(2000, 5000, false), seg(6000, 9000, true)] } } }, spec, hold, T0 + 9500);
    expect(recovered.probes[0]?.rto).toMatchObject({ state: 'recovered', ms: 6000 });
    const events = viewEvents(failing, recovered, iso(T0 + 9500));
    expect(events.map(eventLine)).toEqual(['03:00:16  probe     web: healthy', '03:00:19  rto       web: recovered, RTO 6.0s ±1.0s']);
  });

  it('calls a probe that never recovered in the hold a breach once the hold is over', () => {
    const hold = new Map<string, ProbeSegment[]>();
    drillView('wf', status('hold'), { observe: { startedAt: T0, probes: { web: [seg(0, 4000, false)] } } }, spec, hold, T0 + 4000);
    const after = drillView('wf', status('restore', [{ name: 'web', segments: [seg(0, 8000, false)], failed: 8, total: 8 }]), { restore: { done: 0, total: 2 } }, spec, hold, T0 + 9000);
    expect(after.probes[0]?.rto.state).toBe('breach');
    expect(after.restore).toEqual({ done: 0, total: 2 });
    expect(viewEvents(undefined, after, iso(T0 + 9000)).map(eventLine)).toContain('03:00:19  restore   0/2 node(s) restored');
  });
});

describe('the follow stream', () => {
  it('prints the events of one poll in time order, the journal first on a tie', async () => {
    const { inTimeOrder } = await import('../../../client/follow.js');
    const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 9, 30, s)).toISOString();
    const events = inTimeOrder([
      { event: 'journal', workflowId: 'wf', at: at(5), kind: 'phase', message: 'hold' },
      { event: 'probe', workflowId: 'wf', probe: 'web', healthy: false, at: at(3) },
      { event: 'phase', workflowId: 'wf', phase: 'hold', at: at(5) },
      { event: 'probe', workflowId: 'wf', probe: 'db', healthy: true, at: at(5) },
    ]);
    expect(events.map((e) => `${e.event}@${e.at.slice(17, 19)}`)).toEqual(['probe@03', 'journal@05', 'phase@05', 'probe@05']);
  });
});
