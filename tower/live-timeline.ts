import type { DrillSpec } from '../drills/schema/index.js';
import { describeTarget } from '../drills/target-label.js';
import type { ObserveCheckpoint } from '../client/follow-view.js';
import { RESULT_SCHEMA_VERSION, type DrillResult, type Phase, type PhaseSpan, type ProbeSegment, type ProbeTimeline } from '../report/result.js';
import type { DrillStatus } from '../workflows/contract.js';
import type { ObservedPhase } from './history-events.js';

// A running drill as the report's timeline chart draws it: the same SVG model (phase bands and
// one lane per probe), fed with what is known so far instead of the final result. The chart
// reads phases, probe timelines and T0; every other field is an honest "not yet".

const PHASES = new Set<string>(['preflight', 'approval', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done']);

/** Phase spans from the journal's phase entries ("baseline", "approval: waiting ..."); the open one ends now. */
export function phaseSpans(journal: DrillStatus['journal'], nowIso: string): PhaseSpan[] {
  const entries = journal.filter((e) => e.kind === 'phase').map((e) => ({ phase: (e.message.split(':')[0] ?? '').trim(), at: e.at }))
    .filter((e) => PHASES.has(e.phase));
  return entries.map((e, i) => ({ phase: e.phase as Phase, startedAt: e.at, endedAt: entries[i + 1]?.at ?? nowIso }));
}

/** Every segment seen of each probe: finished observations first, then the running one's heartbeat. */
export function probeTimelines(spec: DrillSpec | undefined, observed: ObservedPhase[], live: ObserveCheckpoint | undefined): ProbeTimeline[] {
  const names = spec?.probes.map((p) => p.name) ?? [...new Set(observed.flatMap((o) => o.result.probes.map((p) => p.name)))];
  return names.map((name): ProbeTimeline => {
    const p = spec?.probes.find((x) => x.name === name);
    const segments: ProbeSegment[] = [];
    for (const o of observed) segments.push(...(o.result.probes.find((x) => x.name === name)?.segments ?? []));
    // The heartbeat may repeat what a finished observation already returned.
    const lastTo = segments.at(-1)?.to ?? '';
    for (const s of live?.probes[name] ?? []) if (s.from >= lastTo) segments.push(s);
    segments.sort((a, b) => a.from.localeCompare(b.from));
    return {
      name,
      type: p?.type ?? 'http',
      intervalMs: p?.interval ?? 1000,
      stableForMs: p?.tolerance.stableFor ?? 0,
      segments,
    };
  });
}

export interface LiveChartInput {
  workflowId: string;
  spec?: DrillSpec;
  specSha256?: string;
  status: DrillStatus;
  observed: ObservedPhase[];
  live?: ObserveCheckpoint;
  nowIso: string;
}

/** A DrillResult-shaped value for renderTimelineSvg; not a result: nothing in it is a verdict. */
export function liveChartResult(i: LiveChartInput): DrillResult {
  const spec = i.spec;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    drill: {
      name: spec?.metadata.name ?? i.workflowId,
      owner: spec?.metadata.owner ?? 'unknown',
      specSha256: i.specSha256 ?? '',
      target: spec ? describeTarget(spec) : 'unknown',
      fault: spec?.fault.mode ?? 'cordon',
      holdMs: spec?.timing.hold ?? 0,
    },
    run: { workflowId: i.workflowId, runId: '', namespace: '', startedAt: i.status.startedAt, endedAt: i.nowIso, firedrillVersion: '', trigger: 'manual' },
    outcome: 'inconclusive',
    outcomeReason: 'still running',
    phases: phaseSpans(i.status.journal, i.nowIso),
    journal: [],
    approval: { required: false, refused: [] },
    plan: null,
    injection: null,
    probes: probeTimelines(spec, i.observed, i.live),
    measurements: { t0: i.status.t0, probes: [], rpo: [], capacity: null, failback: null, errorBudget: { failed: 0, total: 0, used: 0 } },
    objectives: [],
    notFailedOver: [],
    restore: null,
  };
}
