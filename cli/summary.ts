import type { DrillResult, GameDayResult } from '../report/index.js';

export { exitCodeFor, gameDayExitCode } from '../client/outcomes.js';

// What a finished run prints.

export function summaryLines(r: DrillResult): string[] {
  const fmt = (o: DrillResult['objectives'][number]) => {
    if (o.unit === 'fraction') return `${(Number(o.measured) * 100).toFixed(1)}% (max ${(o.target * 100).toFixed(0)}%)`;
    const res = o.resolutionMs ? ` ±${o.resolutionMs / 1000}s` : '';
    if (o.note === 'no impact') return `no impact (target ${o.target / 1000}s)`;
    return o.measured === null ? `BREACH: ${o.note ?? 'not measured'} (target ${o.target / 1000}s)` : `${(o.measured / 1000).toFixed(1)}s${res} (target ${o.target / 1000}s)`;
  };
  return [
    `drill:   ${r.drill.name} on ${r.drill.target} (${r.drill.fault})`,
    `run:     ${r.run.workflowId}`,
    `outcome: ${r.outcome.toUpperCase()}: ${r.outcomeReason}`,
    ...r.objectives.map((o) => `  ${o.met ? 'PASS' : 'FAIL'}  ${o.type}${o.probe ? ` ${o.probe}` : ''}: ${fmt(o)}`),
    ...(r.notFailedOver.length ? ['did not fail over:', ...r.notFailedOver.map((n) => `  - ${n.kind} ${n.name}: ${n.reason}`)] : []),
    ...(r.injection?.notEvicted.length ? [`not evicted: ${r.injection.notEvicted.map((n) => `${n.namespace}/${n.pod} (${n.reason})`).join('; ')}`] : []),
    ...(r.restore ? [`restore: ${r.restore.nodes.filter((n) => n.restored).length}/${r.restore.nodes.length} node(s) restored`] : []),
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
