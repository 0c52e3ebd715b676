// Builds the versioned drill result from what the phases recorded. Pure: the workflow calls it,
// and tests feed it recorded phases directly.
import type { InjectResult, ObserveResult, PreflightResult, RestoreResult } from '../activities/index.js';
import type { DrillSpec } from '../drills/schema/index.js';
import { describeTarget } from '../drills/target-label.js';
import { probeGapMs } from '../report/coverage.js';
import {
  objectiveStatus, RESULT_SCHEMA_VERSION, type DrillResult, type Measurements, type Outcome, type ProbeSegment, type ProbeTimeline,
} from '../report/result.js';
import { capacityBasis } from './capacity-basis.js';
import type { Journal } from './journal.js';
import {
  errorBudget, evaluateObjectives, judgedObjectives, measureCapacity, measureProbe, measureRpo, segmentResolution, steadyAtEnd, type JudgedObjective,
} from './measure.js';

/** The capacity probe's tick (the workflow asks the probes engine for one per second). */
const CAPACITY_INTERVAL_MS = 1000;

/** Baseline is steady when each probe stayed within its allowed failures and ends stable. */
export function baselineVerdict(spec: DrillSpec, obs: ObserveResult): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const p of spec.probes) {
    const r = obs.probes.find((x) => x.name === p.name);
    if (!r) { reasons.push(`${p.name}: no observations`); continue; }
    if (r.failed > p.tolerance.allowedFailures) {
      const err = r.segments.filter((s) => !s.healthy).at(-1)?.error;
      reasons.push(`${p.name}: ${r.failed} failed observation(s), ${p.tolerance.allowedFailures} allowed${err ? ` (${err})` : ''}`);
      continue;
    }
    const start = obs.startedAt ? Date.parse(obs.startedAt) : 0;
    if (!steadyAtEnd(r.segments, start, p.tolerance.stableFor)) {
      reasons.push(`${p.name}: not healthy for ${Math.round(p.tolerance.stableFor / 1000)} s in a row`);
    }
  }
  return { ok: reasons.length === 0, reasons };
}

export interface AssembleInput {
  input: { spec: DrillSpec; specSha256: string; trigger: DrillResult['run']['trigger']; firedrillVersion: string; temporalUiUrl?: string };
  info: { workflowId: string; runId: string; namespace: string };
  journal: Journal;
  approval: { approvedBy?: string; approvedAt?: string; refused: DrillResult['approval']['refused'] } & Pick<DrillResult['approval'], 'quorum' | 'startedBy' | 'approvals'>;
  plan?: PreflightResult;
  baseline?: ObserveResult;
  injection?: InjectResult;
  hold?: ObserveResult;
  restore?: RestoreResult;
  restoreStartedAt?: string;
  restoreEndedAt?: string;
  failback?: ObserveResult;
  outcome?: Outcome;
  outcomeReason: string;
}

/**
 * A phase's probe timelines. An observation cut off by a cancellation (an abort, the restore-by
 * deadline) hands back what its last heartbeat held, which may not be a whole result: no
 * timelines then, rather than a workflow task that fails for ever.
 */
function probesOf(o: ObserveResult | undefined): ObserveResult['probes'] {
  return Array.isArray(o?.probes) ? o.probes : [];
}

function timelines(spec: DrillSpec, phases: Array<ObserveResult | undefined>): ProbeTimeline[] {
  return spec.probes.map((p) => ({
    name: p.name,
    type: p.type,
    intervalMs: p.interval,
    stableForMs: p.tolerance.stableFor,
    gapMs: probeGapMs(p),
    segments: phases.flatMap((o) => probesOf(o).find((x) => x.name === p.name)?.segments ?? []) as ProbeSegment[],
  }));
}

/** The measured window starts at the first change to a node; results of older workers only know T0. */
function windowStart(injection: InjectResult | undefined): number | null {
  if (!injection) return null;
  return Date.parse(injection.injectStartedAt ?? injection.t0);
}

function measure(a: AssembleInput): Measurements {
  const { spec } = a.input;
  const from = windowStart(a.injection);
  const empty: Measurements = { t0: null, probes: [], rpo: [], capacity: null, failback: null, errorBudget: { failed: 0, total: 0, used: 0 } };
  // A hold cut off before it returned a whole result (see probesOf) measured nothing it can show.
  if (from === null || !a.hold || !Array.isArray(a.hold.probes) || !Array.isArray(a.hold.rpo) || !Array.isArray(a.hold.capacity)) return empty;
  const restoreAt = a.restoreEndedAt ? Date.parse(a.restoreEndedAt) : null;
  // The window ends when restore starts: until then the fault is in place.
  const to = a.restoreStartedAt ? Date.parse(a.restoreStartedAt) : Date.parse(a.hold.endedAt);
  const holdLines = timelines(spec, [a.hold]);
  const probes = holdLines.map((line) => measureProbe(line, from, restoreAt,
    probesOf(a.failback).find((x) => x.name === line.name)?.segments ?? null, to));
  const rpo = a.hold.rpo.map((r) => measureRpo({
    ...r, intervalMs: spec.probes.find((p) => p.name === r.probe)?.interval ?? 1000,
  }));
  const before = new Map((a.plan?.summary.workloads ?? []).map((w) => [`${w.kind}/${w.namespace}/${w.name}`, w]));
  // A cluster drill without a standby: capacity is ready again in the cluster, after restore.
  const afterRestore = capacityBasis(spec, a.plan) === 'after-restore' && restoreAt !== null && Array.isArray(a.failback?.capacity) && a.failback.capacity.length > 0;
  const capSource = afterRestore ? a.failback?.capacity ?? [] : a.hold.capacity;
  const capFrom = afterRestore && restoreAt !== null ? restoreAt : from;
  const workloads = capSource.map((c) => {
    const b = before.get(`${c.workload.kind}/${c.workload.namespace}/${c.workload.name}`);
    return measureCapacity({
      ...c.workload, desired: c.desired, segments: c.segments,
      readyBefore: (b?.readyInTarget ?? 0) + (b?.readyOutside ?? 0), readyInTargetBefore: b?.readyInTarget ?? 0,
      ...(c.readyOutside !== undefined ? { readyOutsideLast: c.readyOutside } : {}),
    }, capFrom);
  });
  const capRecovered = workloads.every((w) => w.recovered);
  // What the capacity ticks could claim: a stretch the API did not answer widens it.
  const capResolution = Math.max(CAPACITY_INTERVAL_MS, ...capSource.map((c) => segmentResolution(c.segments, capFrom, CAPACITY_INTERVAL_MS)));
  const failbackFigures = a.failback && restoreAt !== null ? probes.map((p) => p.failbackMs) : null;
  const inj = a.injection;
  return {
    t0: inj && inj.t0Reached !== false ? inj.t0 : null,
    injectStartedAt: new Date(from).toISOString(),
    ...(inj?.drainCompletedAt ? { drainCompletedAt: inj.drainCompletedAt } : {}),
    holdEndedAt: new Date(to).toISOString(),
    probes,
    rpo,
    capacity: {
      resolutionMs: capResolution,
      recovered: capRecovered,
      recoveryMs: capRecovered ? Math.max(0, ...workloads.map((w) => w.recoveryMs as number)) : null,
      workloads,
      ...(afterRestore ? { basis: 'after-restore' as const } : {}),
    },
    failback: failbackFigures ? {
      ms: failbackFigures.some((f) => f === null) ? null : Math.max(0, ...(failbackFigures as number[])),
      recovered: failbackFigures.every((f) => f !== null),
      resolutionMs: Math.max(...spec.probes.map((p) => p.interval)),
    } : null,
    errorBudget: errorBudget(a.hold.probes),
  };
}

/** Nodes this run changed and did not put back, each with why: such a drill is an error whatever it measured. */
function notRestored(a: AssembleInput): string[] {
  const out = new Map<string, string>();
  for (const n of a.injection?.nodes ?? []) {
    if (n.actions.length === 0) continue;
    const r = a.restore?.nodes.find((x) => x.name === n.name);
    if (!a.restore) out.set(n.name, 'restore did not run');
    else if (!r) out.set(n.name, 'restore found no mark of this run on it (the run label was removed?): check it by hand, the janitor cannot find it either');
    else if (!r.restored) out.set(n.name, r.note ?? 'restore failed');
  }
  for (const r of a.restore?.nodes ?? []) if (!r.restored && !out.has(r.name)) out.set(r.name, r.note ?? 'restore failed');
  return [...out].map(([name, why]) => `${name} (${why})`);
}

export function assembleResult(a: AssembleInput): DrillResult {
  const { spec } = a.input;
  const measurements = measure(a);
  const judged = judgedObjectives(spec.objectives as JudgedObjective[]);
  const objectives = measurements.injectStartedAt ? evaluateObjectives(judged, measurements) : [];
  let outcome = a.outcome;
  let reason = a.outcomeReason;
  if (!outcome) {
    const missed = objectives.filter((o) => objectiveStatus(o) === 'missed');
    const unsure = objectives.filter((o) => objectiveStatus(o) === 'inconclusive');
    const names = (os: typeof objectives) => os.map((o) => `${o.type}${o.probe ? ` ${o.probe}` : ''}${o.note ? ` (${o.note})` : ''}`).join('; ');
    if (missed.length) {
      outcome = 'failed';
      reason = `${missed.length} of ${objectives.length} objective(s) missed`;
    } else if (unsure.length) {
      outcome = 'inconclusive';
      reason = `${unsure.length} of ${objectives.length} objective(s) inconclusive: ${names(unsure)}`;
    } else {
      outcome = 'passed';
      reason = `all ${objectives.length} objective(s) met`;
    }
  }
  const left = notRestored(a);
  if (left.length) {
    // A drill that left a change behind cannot pass, whatever it measured.
    reason = `not restored: ${left.join('; ')}${outcome === 'error' ? `; ${reason}` : ` (the drill was ${outcome}: ${reason})`}`;
    outcome = 'error';
  }
  const notFailedOver: DrillResult['notFailedOver'] = [
    ...measurements.probes.filter((p) => !p.recovered && !p.inconclusive).map((p) => ({ kind: 'probe', name: p.probe, reason: 'did not recover within the hold' })),
    ...(measurements.capacity?.workloads ?? []).filter((w) => !w.recovered && w.readyOutsideAfter !== null)
      .map((w) => ({
        kind: w.kind, name: `${w.namespace}/${w.name}`,
        reason: measurements.capacity?.basis === 'after-restore'
          ? 'desired replicas not ready in the cluster again after restore (failback window)'
          : 'desired replicas not ready outside the target by the end of the hold',
      })),
    ...(measurements.failback ? measurements.probes.filter((p) => p.failbackMs === null)
      .map((p) => ({ kind: 'probe', name: p.probe, reason: 'did not return to steady state after restore (failback)' })) : []),
  ];
  const endedAt = a.journal.phases.at(-1)?.startedAt ?? a.journal.startedAt;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    drill: {
      name: spec.metadata.name,
      owner: spec.metadata.owner,
      ...(spec.metadata.description ? { description: spec.metadata.description } : {}),
      specSha256: a.input.specSha256,
      target: describeTarget(spec),
      fault: spec.fault.mode,
      holdMs: spec.timing.hold,
    },
    run: {
      workflowId: a.info.workflowId,
      runId: a.info.runId,
      namespace: a.info.namespace,
      ...(a.input.temporalUiUrl ? { temporalUiUrl: `${a.input.temporalUiUrl}/namespaces/${a.info.namespace}/workflows/${encodeURIComponent(a.info.workflowId)}/${a.info.runId}/history` } : {}),
      startedAt: a.journal.startedAt,
      endedAt,
      firedrillVersion: a.input.firedrillVersion,
      ...(a.plan ? { cluster: a.plan.cluster } : {}),
      trigger: a.input.trigger,
    },
    outcome,
    outcomeReason: reason,
    phases: a.journal.phases.map((p) => ({ ...p })),
    journal: [...a.journal.entries],
    approval: {
      required: spec.approval.required,
      ...(a.approval.approvedBy ? { approvedBy: a.approval.approvedBy } : {}),
      ...(a.approval.approvedAt ? { approvedAt: a.approval.approvedAt } : {}),
      refused: a.approval.refused,
      ...(a.approval.quorum !== undefined ? { quorum: a.approval.quorum } : {}),
      ...(a.approval.startedBy ? { startedBy: a.approval.startedBy } : {}),
      ...(a.approval.approvals ? { approvals: a.approval.approvals } : {}),
    },
    plan: a.plan?.summary ?? null,
    injection: a.injection ? {
      t0: a.injection.t0Reached === false ? null : a.injection.t0,
      ...(a.injection.injectStartedAt ? { injectStartedAt: a.injection.injectStartedAt } : {}),
      ...(a.injection.drainCompletedAt ? { drainCompletedAt: a.injection.drainCompletedAt } : {}),
      ...(a.injection.stopped ? { stopped: true } : {}),
      nodes: a.injection.nodes.map((n) => ({
        name: n.name,
        zone: a.plan?.summary.targetNodes.find((t) => t.name === n.name)?.zone,
        actions: n.actions,
        wasCordoned: n.wasCordoned,
        // A node the drill did not change needs no restore.
        restored: n.actions.length === 0 || (a.restore?.nodes.some((r) => r.name === n.name && r.restored) ?? false),
      })),
      evicted: a.injection.evicted,
      notEvicted: a.injection.notEvicted,
      apiRetries: a.injection.apiRetries + (a.restore?.apiRetries ?? 0),
    } : null,
    probes: timelines(spec, [a.baseline, a.hold, a.failback]),
    measurements,
    objectives,
    notFailedOver,
    restore: a.restore && a.restoreStartedAt && a.restoreEndedAt ? {
      startedAt: a.restoreStartedAt,
      endedAt: a.restoreEndedAt,
      nodes: a.restore.nodes.map((n) => ({ name: n.name, restored: n.restored, ...(n.note ? { note: n.note } : {}) })),
      blockedMs: a.restore.blockedMs,
      apiRetries: a.restore.apiRetries,
      ...(a.restore.attempt !== undefined ? { attempts: a.restore.attempt } : {}),
    } : null,
  };
}
