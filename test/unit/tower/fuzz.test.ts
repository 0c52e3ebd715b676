import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProbeView } from '../../../client/follow-view.js';
import { drillSpecSchema, type DrillSpec } from '../../../drills/schema/index.js';
import { escapeHtml } from '../../../report/escape.js';
import { historyEntry } from '../../../report/history.js';
import type { DrillResult, JournalEntry, PlanSummary } from '../../../report/result.js';
import { FormTokens } from '../../../tower/form-tokens.js';
import type { RenderContext } from '../../../tower/pages/context.js';
import { renderAbortConfirm, renderLogin, renderMessage } from '../../../tower/pages/forms.js';
import { renderHistory } from '../../../tower/pages/history.js';
import { nowParts, renderNow } from '../../../tower/pages/now.js';
import { renderRun, runParts } from '../../../tower/pages/run.js';
import { renderSchedules } from '../../../tower/pages/schedules.js';
import type { DrillSnapshot, GameDaySnapshot, RunSnapshot, ScheduledSnapshot } from '../../../tower/reader.js';
import { historyModel } from '../../../tower/reports.js';
import type { ScheduleRow } from '../../../tower/schedules.js';
import { hostileString } from '../../support/hostile.js';
import { failResult } from '../report/fixtures/results.js';
import { count, markupProblems } from './markup.js';

// The tower's templates on generated runs whose every text a drill file, a cluster, Temporal or
// an operator controls is hostile: names, descriptions, workflow ids, targets, journal entries,
// identities, census reasons, probe errors, schedule notes, report reasons. No input may come
// out as markup, a link that runs script, or a second script.

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const T = '2026-11-03T14:00:00.000Z';

const BASE_SPEC = drillSpecSchema.parse({
  apiVersion: 'firedrill.dev/v1', kind: 'Drill',
  metadata: { name: 'zone-a-loss', owner: 'platform', description: 'd' },
  target: { type: 'zone', zone: 'zone-a' },
  fault: { mode: 'drain' },
  timing: { hold: '30s', maxDuration: '5m' },
  probes: [{ name: 'checkout', type: 'http', url: 'http://127.0.0.1:1/' }, { name: 'payments', type: 'http', url: 'http://127.0.0.1:1/' }],
  objectives: [{ type: 'rto', target: '1m' }],
  approval: { required: true, approvers: ['alice@example.com'] },
});

/** A valid spec whose free text is then made hostile: what a worker's start input could carry. */
function spec(h: (i: number) => string): DrillSpec {
  const s = structuredClone(BASE_SPEC);
  s.metadata.owner = h(1);
  s.metadata.description = h(2);
  s.approval.approvers = [h(3), 'alice@example.com'];
  s.probes[0]!.name = h(12);
  return s;
}

const journal = (h: (i: number) => string): JournalEntry[] => [
  { at: T, kind: 'phase', message: 'preflight' },
  { at: T, kind: 'phase', message: `approval: ${h(4)}` },
  { at: T, kind: 'warning', message: `approved refused: ${h(5)}`, identity: h(6) },
  { at: T, kind: 'operator', message: h(7), identity: h(8) },
  { at: T, kind: 'phase', message: 'baseline' },
];

const census = (h: (i: number) => string): PlanSummary => ({
  targetNodes: [{ name: h(9), unschedulable: false }], clusterNodes: 12, workloads: [], losesAll: [], blockingPdbs: [], zoneBoundVolumes: [],
  pendingAfterMove: [], verdict: { allowed: false, reasons: [h(10), h(11)] },
});

const probes = (h: (i: number) => string): ProbeView[] => [
  { name: h(12), healthy: false, since: T, error: h(13), rto: { state: 'running', ms: 12_000, resolutionMs: 500, targetMs: 60_000 } },
  { name: 'payments', healthy: true, rto: { state: 'recovered', ms: 8000, resolutionMs: 500 } },
  { name: h(14), healthy: null, rto: { state: 'breach', ms: null, resolutionMs: 1000 } },
];

/** A result whose text fields are all hostile (the report fuzz test covers the report's own page). */
function result(h: (i: number) => string): DrillResult {
  const r = failResult();
  r.drill.name = h(15);
  r.drill.description = h(16);
  r.outcomeReason = h(17);
  r.drill.target = h(18);
  r.run.workflowId = h(19);
  r.journal.push({ at: T, kind: 'operator', message: h(20), identity: h(21) });
  r.measurements.probes[0]!.probe = h(22);
  r.probes[0]!.name = h(22);
  r.probes[0]!.segments[0]!.error = h(23);
  return r;
}

function snapshots(h: (i: number) => string, running: boolean): RunSnapshot[] {
  const ref = (kind: RunSnapshot['kind'], n: number) => ({
    workflowId: h(30 + n), runId: h(40 + n), kind, name: h(50 + n), target: h(60 + n), startedAt: T,
    status: running ? 'RUNNING' : 'COMPLETED', ...(running ? {} : { closedAt: T }), parentWorkflowId: h(70 + n),
  });
  const s = spec(h);
  const phase = running ? (['approval', 'hold', 'restore', 'starting'] as const)[h(0).length % 4]! : 'done';
  const drill: DrillSnapshot = {
    kind: 'drill', ref: ref('drill', 1), input: { spec: s, specSha256: 'a'.repeat(64), trigger: 'manual', firedrillVersion: h(80) },
    status: { phase, startedAt: T, t0: running ? T : null, journal: journal(h), probes: [], ...(h(81).length % 2 ? { approvedBy: h(81) } : {}) },
    view: { workflowId: h(30), phase, startedAt: T, elapsedMs: 1000, t0: T, probes: probes(h), restore: { done: 1, total: 3 }, inject: { nodesDone: 2, evicted: 7 } },
    census: census(h),
    live: { startedAt: Date.parse(T), probes: { checkout: [{ from: T, to: '2026-11-03T14:00:05.000Z', healthy: false, count: 3, error: h(82) }] } },
    observed: [],
    ...(running ? {} : { result: result(h) }),
  };
  const day: GameDaySnapshot = {
    kind: 'gameday', ref: ref('gameday', 2),
    input: { day: { name: h(83), owner: h(84), description: h(85), sha256: 'b'.repeat(64), approval: { required: true, timeout: 60_000, approvers: [h(86)] } }, drills: [{ file: h(87), spec: s, specSha256: 'c'.repeat(64) }, { file: h(88), spec: s, specSha256: 'c'.repeat(64) }], firedrillVersion: '0.1.0' },
    status: { kind: 'gameday', day: h(89), phase: running ? 'drill' : 'done', startedAt: T, current: { index: 1, name: h(90), workflowId: h(91) }, journal: journal(h), drills: [{ name: h(92), file: h(93), workflowId: h(94), outcome: 'failed', outcomeReason: h(95), objectives: { met: 0, total: 1, missed: [h(96)] }, notFailedOver: 1 }] },
  };
  const sched: ScheduledSnapshot = { kind: 'scheduled', ref: ref('scheduled', 3), status: { kind: 'scheduled', drill: h(97), phase: 'running', childWorkflowId: h(98) } };
  return [drill, day, sched];
}

const ctxOf = (h: (i: number) => string, user: boolean): RenderContext => ({
  nowMs: Date.parse(T) + 65_000,
  namespace: h(100),
  temporalUiUrl: h(101).length % 2 ? `http://127.0.0.1:8233/${h(102)}` : h(102),
  reports: { has: (id) => id.length % 2 === 0 },
  tokens: new FormTokens(Buffer.alloc(32, 7)),
  identity: { ...(user ? { user: h(103) } : {}), default: h(104) },
});

/** A hostile text per slot, or (often) one for all of them. */
const texts = fc.tuple(fc.array(hostileString, { minLength: 8, maxLength: 8 }), fc.option(hostileString, { freq: 3 }), fc.boolean(), fc.boolean())
  .map(([values, all, running, user]) => ({ h: (i: number) => all ?? values[i % values.length]!, running, user }));

function checkPage(html: string): void {
  expect(markupProblems(html)).toEqual([]);
  expect(count(html, /<script\b/g)).toBeLessThanOrEqual(1);
  expect(count(html, /<\/html>/g)).toBe(1);
  expect(html).toContain('script-src &#39;self&#39;');
}

describe(`tower templates on ${RUNS} generated hostile runs`, () => {
  it('Now: cards and finished rows are inert, the names still shown', () => {
    fc.assert(fc.property(texts, ({ h, running, user }) => {
      const ctx = ctxOf(h, user);
      const all = snapshots(h, running);
      const html = renderNow({ running: running ? all : [], recent: running ? [] : all, at: T }, ctx, h(105));
      checkPage(html);
      expect(html).toContain(escapeHtml(h(105)).slice(0, 30));
      for (const part of Object.values(nowParts({ running: all, recent: all, at: T }, ctx))) expect(markupProblems(part)).toEqual([]);
    }), { numRuns: RUNS });
  });

  it('a run page (drill, game day, scheduled run), with its live parts and forms', () => {
    fc.assert(fc.property(texts, ({ h, running, user }) => {
      const ctx = ctxOf(h, user);
      for (const s of snapshots(h, running)) {
        const html = renderRun(s, ctx, h(106));
        checkPage(html);
        expect(count(html, /<svg\b/g)).toBe(count(html, /<\/svg>/g));
        for (const part of Object.values(runParts(s, ctx))) expect(markupProblems(part)).toEqual([]);
        if (s.kind === 'drill') expect(html).toContain(escapeHtml(s.input!.spec.metadata.description!).slice(0, 30));
      }
    }), { numRuns: RUNS });
  });

  it('abort confirmation, sign-in and messages', () => {
    fc.assert(fc.property(texts, ({ h, user }) => {
      const ctx = ctxOf(h, user);
      checkPage(renderAbortConfirm(h(1), h(2), h(3), h(4), ctx));
      checkPage(renderLogin(ctx, h(5).length % 2 === 0));
      checkPage(renderMessage(h(6), h(7), h(8)));
    }), { numRuns: RUNS });
  });

  it('Schedules: notes, blackouts, drill names and last runs are inert', () => {
    fc.assert(fc.property(texts, ({ h }) => {
      const rows: ScheduleRow[] = [{
        scheduleId: h(1), drill: h(2), cron: h(3), timezone: h(4), paused: h(5).length % 2 === 0, note: h(6), nextRuns: [T],
        blackouts: [{ name: h(7), start: T, end: '2027-01-01T00:00:00.000Z' }], last: { workflowId: h(8), startedAt: T, status: 'COMPLETED', outcome: 'failed', reason: h(9) },
      }];
      checkPage(renderSchedules(rows, h(10), Date.parse(T), h(11)));
    }), { numRuns: RUNS });
  });

  it('History: filters, runs and trends are inert', () => {
    fc.assert(fc.property(texts, ({ h }) => {
      const entries = [historyEntry(result(h), h(1)), historyEntry(failResult(), 'zone-a-loss/run')];
      const html = renderHistory(historyModel(entries, { drill: h(2), quarter: h(3) }, [h(4)]));
      checkPage(html);
      const all = renderHistory(historyModel(entries, {}, []));
      checkPage(all);
      expect(count(all, /<svg\b/g)).toBe(count(all, /<\/svg>/g));
    }), { numRuns: RUNS });
  });
});
