import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../../report/history.js';
import { BoundedMap } from '../../../tower/bounded-map.js';
import { changedParts, SharedViews } from '../../../tower/live.js';
import { phaseSpans, probeTimelines } from '../../../tower/live-timeline.js';
import { historyModel } from '../../../tower/reports.js';
import { closedSinceQuery, runningQuery } from '../../../tower/runs.js';
import { failResult, passResult } from '../report/fixtures/results.js';

// The tower's pure parts: what it asks visibility, how a live chart is pieced together, which
// page parts are sent again, and how History filters.

describe('visibility queries', () => {
  it('ask for the three run types of one task queue', () => {
    expect(runningQuery("drills-'a")).toBe("TaskQueue = 'drills-a' AND ExecutionStatus = 'Running' AND WorkflowType IN ('drillWorkflow', 'gameDayWorkflow', 'scheduledDrillWorkflow')");
    expect(closedSinceQuery('q', new Date('2026-11-03T00:00:00Z'))).toContain("ExecutionStatus != 'Running' AND CloseTime > '2026-11-03T00:00:00.000Z'");
  });
});

describe('the live chart', () => {
  const at = (s: number) => new Date(Date.parse('2026-11-03T14:00:00Z') + s * 1000).toISOString();

  it('takes its phases from the journal, the open one ending now', () => {
    const spans = phaseSpans([
      { at: at(0), kind: 'phase', message: 'preflight' },
      { at: at(1), kind: 'operator', message: 'approved', identity: 'a' },
      { at: at(2), kind: 'phase', message: 'approval: waiting up to 300 s' },
      { at: at(5), kind: 'phase', message: 'baseline' },
      { at: at(6), kind: 'phase', message: 'drill 1/2: not a drill phase' },
    ], at(9));
    expect(spans).toEqual([
      { phase: 'preflight', startedAt: at(0), endedAt: at(2) },
      { phase: 'approval', startedAt: at(2), endedAt: at(5) },
      { phase: 'baseline', startedAt: at(5), endedAt: at(9) },
    ]);
  });

  it('joins finished observations and the running one without repeating segments', () => {
    const seg = (from: number, to: number, healthy = true) => ({ from: at(from), to: at(to), healthy, count: 1 });
    const observed = [{ mode: 'baseline' as const, result: { startedAt: at(0), endedAt: at(4), probes: [{ name: 'web', segments: [seg(0, 4)], failed: 0, total: 4 }], capacity: [], rpo: [], resumes: 0 } }];
    const live = { startedAt: Date.parse(at(5)), probes: { web: [seg(3, 4), seg(5, 8, false)] } };
    const [web] = probeTimelines(undefined, observed, live);
    expect(web?.segments).toEqual([seg(0, 4), seg(5, 8, false)]);
  });
});

describe('live parts', () => {
  it('sends only what changed', () => {
    expect(changedParts({ a: '1', b: '2' }, { a: '1', b: '3', c: '4' })).toEqual({ b: '3', c: '4' });
    expect(changedParts({ a: '1' }, { a: '1' })).toEqual({});
  });

  it('computes a view once for every browser that asks within the interval', async () => {
    const views = new SharedViews(500);
    let calls = 0;
    const compute = async () => ({ n: String(++calls) });
    const [a, b] = await Promise.all([views.get('now', compute, 1000), views.get('now', compute, 1200)]);
    expect(a).toEqual({ n: '1' });
    expect(b).toEqual({ n: '1' });
    expect(await views.get('now', compute, 1600)).toEqual({ n: '2' });
    expect(await views.get('run:x', compute, 1600)).toEqual({ n: '3' });
  });
});

describe('History', () => {
  it('filters by drill and quarter, and offers every drill and quarter', () => {
    const q3 = passResult({ startedAt: '2026-08-04T14:00:00.000Z', workflowId: 'zone-a-loss-q3' });
    const other = failResult();
    other.drill.name = 'store-loss';
    const entries = [historyEntry(q3, 'zone-a-loss/q3'), historyEntry(failResult(), 'zone-a-loss/q4'), historyEntry(other, 'store-loss/q4')];
    const all = historyModel(entries, {});
    expect(all.drills).toEqual(['store-loss', 'zone-a-loss']);
    expect(all.quarters).toEqual(['2026-Q4', '2026-Q3']);
    expect(all.total).toBe(3);
    const one = historyModel(entries, { drill: 'zone-a-loss', quarter: '2026-Q4' });
    expect(one.total).toBe(1);
    expect(one.groups.map((g) => g.drill)).toEqual(['zone-a-loss']);
  });
});

describe('BoundedMap', () => {
  it('forgets the oldest entries', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...m.keys()]).toEqual(['a', 'c']);
  });
});
