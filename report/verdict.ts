import { objectiveStatus, type DrillResult, type ObjectiveResult, type ObjectiveStatus, type Outcome } from './result.js';
import { formatFraction, formatMeasuredMs, formatDuration } from './format.js';

/** Outcome headline: a word and a symbol, so it reads without colour. */
export const OUTCOME_LABEL: Record<Outcome, { word: string; symbol: string; meaning: string }> = {
  passed: { word: 'PASSED', symbol: '✓', meaning: 'every objective met' },
  failed: { word: 'FAILED', symbol: '✗', meaning: 'at least one objective missed' },
  inconclusive: { word: 'INCONCLUSIVE', symbol: '?', meaning: 'not every objective could be shown met: too little was observed, or a figure is within its target only by less than its resolution' },
  aborted: { word: 'ABORTED', symbol: '■', meaning: 'stopped early by a guardrail or an operator; infrastructure restored' },
  refused: { word: 'REFUSED', symbol: '○', meaning: 'stopped before injection; nothing was changed' },
  skipped: { word: 'SKIPPED', symbol: '○', meaning: 'not run (blackout window)' },
  error: { word: 'ERROR', symbol: '!', meaning: 'the drill itself failed, or a node it changed was not restored' },
};

/** "FAILED — at least one objective missed". */
export function verdictHeadline(result: DrillResult): string {
  const o = OUTCOME_LABEL[result.outcome];
  return `${o.word} — ${o.meaning}`;
}

/** One objective as the report shows it: every cell already in words. */
export interface ObjectiveRow {
  key: string;
  label: string;
  measured: string;
  target: string;
  status: ObjectiveStatus;
  statusText: string;
  note: string;
}

const TYPE_LABEL: Record<ObjectiveResult['type'], string> = {
  rto: 'RTO',
  rpo: 'RPO',
  capacity: 'Capacity recovery',
  errorBudget: 'Error budget',
  failback: 'Failback',
};

/** Objectives are matched across runs by type and probe: the contract gives them no id. */
export function objectiveKey(o: ObjectiveResult): string {
  return `${o.type}:${o.probe ?? ''}`;
}

export function objectiveLabel(o: ObjectiveResult): string {
  return o.probe ? `${TYPE_LABEL[o.type]} · ${o.probe}` : `${TYPE_LABEL[o.type]} (overall)`;
}

/** A null measurement that missed is a breach and is said in words, never shown as a number. */
function breachText(o: ObjectiveResult): string {
  switch (o.type) {
    case 'rto':
    case 'capacity':
      return 'not recovered (breach)';
    case 'rpo':
      return 'data loss not measurable (breach)';
    case 'errorBudget':
      return 'not measured (breach)';
    case 'failback':
      return 'not steady again (breach)';
  }
}

const STATUS_TEXT: Record<ObjectiveStatus, string> = { met: '✓ met', missed: '✗ missed', inconclusive: '? inconclusive' };

export function formatObjectiveValue(o: ObjectiveResult, value: number): string {
  return o.unit === 'fraction' ? formatFraction(value) : formatMeasuredMs(value, o.resolutionMs);
}

/** The note without its ": breach" tail: the measured cell (or a BREACH label) already says it, once. */
export function objectiveNote(o: Pick<ObjectiveResult, 'note'>): string {
  return (o.note ?? '').replace(/: breach$/, '');
}

export function objectiveRow(o: ObjectiveResult): ObjectiveRow {
  const status = objectiveStatus(o);
  let measured: string;
  if (o.measured === null) measured = status === 'met' ? '—' : status === 'inconclusive' ? 'not measured' : breachText(o);
  else measured = formatObjectiveValue(o, o.measured);
  const target = o.unit === 'fraction' ? `≤ ${formatFraction(o.target)}` : `≤ ${formatDuration(o.target)}`;
  return {
    key: objectiveKey(o),
    label: objectiveLabel(o),
    measured,
    target,
    status,
    statusText: STATUS_TEXT[status],
    note: objectiveNote(o),
  };
}

export function objectiveRows(result: DrillResult): ObjectiveRow[] {
  return result.objectives.map(objectiveRow);
}

/** "2 of 3 objectives met", and how many could not be judged. */
export function objectivesSummary(result: DrillResult): string {
  if (!result.objectives.length && !result.measurements.injectStartedAt && !result.measurements.t0) return 'not run: no fault was injected';
  const met = result.objectives.filter((o) => o.met).length;
  const unsure = result.objectives.filter((o) => objectiveStatus(o) === 'inconclusive').length;
  return `${met} of ${result.objectives.length} objectives met${unsure ? `, ${unsure} inconclusive` : ''}`;
}

/** The rule every objective is judged by, as the reports state it. */
export const OBJECTIVE_RULE = 'An objective is met only when its measured value plus its resolution is within the target; a figure over the target is missed; anything in between, or a probe without enough observation, is inconclusive.';
