import type { DrillResult, ObjectiveResult } from './result.js';
import { formatDateTime, formatDuration, formatResolution } from './format.js';
import { OUTCOME_LABEL, objectiveKey, objectiveLabel } from './verdict.js';

/** How one probe's RTO moved since the previous run. */
export interface RtoChange {
  probe: string;
  before: number | null;
  after: number | null;
  /** Larger of the two resolutions: differences within it are not a change. */
  resolutionMs: number;
  change: 'better' | 'worse' | 'same' | 'new' | 'gone' | 'no impact';
}

export interface RunComparison {
  first: boolean;
  previous?: { workflowId: string; startedAt: string; outcome: DrillResult['outcome'] };
  newlyFailing: ObjectiveResult[];
  newlyPassing: ObjectiveResult[];
  rto: RtoChange[];
  /** Things that did not fail over last time and now do (fixed), and the new ones. */
  fixed: Array<{ kind: string; name: string }>;
  newlyNotFailedOver: Array<{ kind: string; name: string }>;
}

/** RTO as a comparable number: a breach (no recovery) is worse than any time. */
function rtoRank(ms: number | null): number {
  return ms === null ? Number.POSITIVE_INFINITY : ms;
}

function rtoChanges(current: DrillResult, previous: DrillResult): RtoChange[] {
  const before = new Map(previous.measurements.probes.map((p) => [p.probe, p]));
  const changes: RtoChange[] = [];
  for (const p of current.measurements.probes) {
    const b = before.get(p.probe);
    before.delete(p.probe);
    if (!b) {
      changes.push({ probe: p.probe, before: null, after: p.rtoMs, resolutionMs: p.resolutionMs, change: 'new' });
      continue;
    }
    const resolutionMs = Math.max(p.resolutionMs, b.resolutionMs);
    let change: RtoChange['change'];
    if (!p.impact && !b.impact) change = 'no impact';
    else {
      const a = p.impact ? rtoRank(p.rtoMs) : 0;
      const z = b.impact ? rtoRank(b.rtoMs) : 0;
      if (a === z || (Number.isFinite(a) && Number.isFinite(z) && Math.abs(a - z) <= resolutionMs)) change = 'same';
      else change = a < z ? 'better' : 'worse';
    }
    changes.push({ probe: p.probe, before: b.impact ? b.rtoMs : 0, after: p.impact ? p.rtoMs : 0, resolutionMs, change });
  }
  for (const b of before.values()) {
    changes.push({ probe: b.probe, before: b.rtoMs, after: null, resolutionMs: b.resolutionMs, change: 'gone' });
  }
  return changes;
}

const itemKey = (i: { kind: string; name: string }): string => `${i.kind}/${i.name}`;

/** "Since the previous run of the same drill": what got worse, what got better. */
export function compareRuns(current: DrillResult, previous?: DrillResult | null): RunComparison {
  // A refused or skipped run measured nothing: comparing with it would call every figure new.
  if (!previous || !(previous.measurements.injectStartedAt ?? previous.measurements.t0)) {
    return { first: true, newlyFailing: [], newlyPassing: [], rto: [], fixed: [], newlyNotFailedOver: [] };
  }
  const before = new Map(previous.objectives.map((o) => [objectiveKey(o), o]));
  const newlyFailing: ObjectiveResult[] = [];
  const newlyPassing: ObjectiveResult[] = [];
  for (const o of current.objectives) {
    const b = before.get(objectiveKey(o));
    if (!b) continue;
    if (b.met && !o.met) newlyFailing.push(o);
    if (!b.met && o.met) newlyPassing.push(o);
  }
  const prevItems = new Set(previous.notFailedOver.map(itemKey));
  const curItems = new Set(current.notFailedOver.map(itemKey));
  return {
    first: false,
    previous: { workflowId: previous.run.workflowId, startedAt: previous.run.startedAt, outcome: previous.outcome },
    newlyFailing,
    newlyPassing,
    rto: rtoChanges(current, previous),
    fixed: previous.notFailedOver.filter((i) => !curItems.has(itemKey(i))).map(({ kind, name }) => ({ kind, name })),
    newlyNotFailedOver: current.notFailedOver.filter((i) => !prevItems.has(itemKey(i))).map(({ kind, name }) => ({ kind, name })),
  };
}

function rtoText(ms: number | null, resolutionMs: number): string {
  return ms === null ? 'not recovered' : ms === 0 ? 'no impact' : formatDuration(ms, resolutionMs);
}

function rtoLine(c: RtoChange): string {
  const before = rtoText(c.before, c.resolutionMs);
  const after = rtoText(c.after, c.resolutionMs);
  switch (c.change) {
    case 'new':
      return `${c.probe}: new probe, RTO ${after}`;
    case 'gone':
      return `${c.probe}: no longer probed (was ${before})`;
    case 'no impact':
      return `${c.probe}: no impact, as before`;
    case 'same':
      return `${c.probe}: RTO ${before} → ${after}, unchanged within ${formatResolution(c.resolutionMs)}`;
    default: {
      const delta = c.before !== null && c.after !== null ? ` by ${formatDuration(Math.abs(c.after - c.before), c.resolutionMs)}` : '';
      return `${c.probe}: RTO ${before} → ${after} (${c.change}${delta})`;
    }
  }
}

/** The comparison as plain sentences; each renderer escapes them for its own format. */
export function describeComparison(cmp: RunComparison): { intro: string; lines: string[] } {
  if (cmp.first || !cmp.previous) return { intro: 'First run of this drill that injected a fault: nothing to compare with yet.', lines: [] };
  const p = cmp.previous;
  const lines: string[] = [];
  for (const o of cmp.newlyFailing) lines.push(`Newly failing: ${objectiveLabel(o)}`);
  for (const o of cmp.newlyPassing) lines.push(`Newly passing: ${objectiveLabel(o)}`);
  if (!cmp.newlyFailing.length && !cmp.newlyPassing.length) lines.push('No objective changed between met and missed.');
  for (const i of cmp.fixed) lines.push(`Fixed: ${i.kind} ${i.name} now fails over`);
  for (const i of cmp.newlyNotFailedOver) lines.push(`New gap: ${i.kind} ${i.name} did not fail over`);
  for (const c of cmp.rto) lines.push(rtoLine(c));
  return {
    intro: `Compared with the previous run that injected a fault, ${p.workflowId} of ${formatDateTime(p.startedAt)} (${OUTCOME_LABEL[p.outcome].word.toLowerCase()}).`,
    lines,
  };
}
