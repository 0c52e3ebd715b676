// The game day's summary in Markdown: every string may come from a drill file, so it is escaped
// exactly like the drill report's.
import { escapeMarkdown, escapeMarkdownBlock } from './escape.js';
import type { GameDayResult } from './gameday-result.js';

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function renderGameDayMarkdown(r: GameDayResult): string {
  const lines = [
    `# Game day ${escapeMarkdown(r.day.name)}: ${r.outcome.toUpperCase()}`,
    '',
    escapeMarkdownBlock(r.outcomeReason),
    '',
    `- owner: ${escapeMarkdown(r.day.owner)}`,
    ...(r.day.description ? [`- ${escapeMarkdown(r.day.description)}`] : []),
    `- run: ${code(r.run.workflowId)} (${r.run.startedAt} to ${r.run.endedAt})`,
    `- approval: ${r.approval.approvedBy ? `${escapeMarkdown(r.approval.approvedBy)} at ${r.approval.approvedAt ?? '?'}` : r.approval.required ? 'not given' : 'not required'}`,
    '',
    '| # | drill | outcome | objectives met | did not fail over | run |',
    '|---|---|---|---|---|---|',
    ...r.drills.map((d, i) => {
      const missed = d.objectives.missed.length ? ` (missed: ${escapeMarkdown(d.objectives.missed.join(', '))})` : '';
      return `| ${i + 1} | ${escapeMarkdown(d.name)} | ${d.outcome}: ${escapeMarkdown(d.outcomeReason)} | ${d.objectives.met}/${d.objectives.total}${missed} | ${d.notFailedOver} | ${d.workflowId ? code(d.workflowId) : '-'} |`;
    }),
    '',
    'Each drill that ran has its full report under `<report dir>/<drill>/<run>/`.',
    '',
  ];
  return lines.join('\n');
}
