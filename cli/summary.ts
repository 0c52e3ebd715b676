import { coverageText } from '../report/model.js';
import { objectiveNote } from '../report/verdict.js';
import type { GameDayResult } from '../report/gameday-result.js';
import { objectiveStatus, type DrillResult, type ObjectiveStatus } from '../report/result.js';

export { exitCodeFor, gameDayExitCode } from '../client/outcomes.js';

// What a finished run prints.

const WORD: Record<ObjectiveStatus, string> = { met: 'PASS', missed: 'FAIL', inconclusive: 'INCONCLUSIVE' };

export function summaryLines(r: DrillResult): string[] {
  const fmt = (o: DrillResult['objectives'][number]) => {
    const status = objectiveStatus(o);
    if (o.unit === 'fraction') return o.measured === null ? `${o.note ?? 'not observed'} (max ${(o.target * 100).toFixed(0)}%)` : `${(Number(o.measured) * 100).toFixed(1)}% (max ${(o.target * 100).toFixed(0)}%)`;
    const res = o.resolutionMs ? ` ±${o.resolutionMs / 1000}s` : '';
    if (o.note === 'no impact') return `no impact (target ${o.target / 1000}s)`;
    if (o.measured === null) return `${status === 'inconclusive' ? 'INCONCLUSIVE' : 'BREACH'}: ${objectiveNote(o) || 'not measured'} (target ${o.target / 1000}s)`;
    return `${(o.measured / 1000).toFixed(1)}s${res} (target ${o.target / 1000}s)${status === 'inconclusive' && o.note ? `: ${objectiveNote(o)}` : ''}`;
  };
  const changed = r.injection?.nodes ?? [];
  const restored = changed.filter((n) => n.restored).length;
  return [
    `drill:   ${r.drill.name} on ${r.drill.target} (${r.drill.fault})`,
    `run:     ${r.run.workflowId}`,
    `outcome: ${r.outcome.toUpperCase()}: ${r.outcomeReason}`,
    ...r.objectives.map((o) => `  ${WORD[objectiveStatus(o)]}  ${o.type}${o.probe ? ` ${o.probe}` : ''}: ${fmt(o)}`),
    ...r.measurements.probes.filter((m) => m.inconclusive).map((m) => `coverage: ${m.probe}: ${coverageText(m)}`),
    ...(r.notFailedOver.length ? ['did not fail over:', ...r.notFailedOver.map((n) => `  - ${n.kind} ${n.name}: ${n.reason}`)] : []),
    ...(r.injection?.notEvicted.length ? [`not evicted: ${r.injection.notEvicted.map((n) => `${n.namespace}/${n.pod} (${n.reason})`).join('; ')}`] : []),
    ...(r.restore || changed.length ? [`restore: ${restored}/${changed.length} node(s) restored`] : []),
  ];
}

export function gameDaySummaryLines(r: GameDayResult): string[] {
  return [
    `game day: ${r.day.name} (${r.drills.length} drill(s))`,
    `run:      ${r.run.workflowId}`,
    `outcome:  ${r.outcome.toUpperCase()}: ${r.outcomeReason}`,
    ...r.drills.map((d, i) => `  ${i + 1}. ${d.name}: ${d.outcome.toUpperCase()}${d.objectives.total ? ` (${d.objectives.met}/${d.objectives.total} objectives met)` : ''}${d.outcome === 'skipped' || d.outcome === 'refused' || d.outcome === 'error' ? `: ${d.outcomeReason}` : ''}`),
  ];
}
