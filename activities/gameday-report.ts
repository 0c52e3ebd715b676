import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safeSegment } from '../report/store.js';
import type { GameDayActivities, GameDayResult } from '../workflows/gameday.js';
import type { ActivityDeps } from './index.js';

// The game day's combined result: <outDir>/<gameday>/<workflowId>/gameday.json (the source of
// truth, versioned) and gameday.md (the short summary people read). Each drill of the day keeps
// its own full report under <outDir>/<drill>/<workflowId>/ as usual.

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, file);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderGameDayMarkdown(r: GameDayResult): string {
  const lines = [
    `# Game day ${r.day.name}: ${r.outcome.toUpperCase()}`,
    '',
    r.outcomeReason,
    '',
    `- owner: ${r.day.owner}`,
    ...(r.day.description ? [`- ${r.day.description}`] : []),
    `- run: \`${r.run.workflowId}\` (${r.run.startedAt} to ${r.run.endedAt})`,
    `- approval: ${r.approval.approvedBy ? `${r.approval.approvedBy} at ${r.approval.approvedAt ?? '?'}` : r.approval.required ? 'not given' : 'not required'}`,
    '',
    '| # | drill | outcome | objectives met | did not fail over | run |',
    '|---|---|---|---|---|---|',
    ...r.drills.map((d, i) => `| ${i + 1} | ${cell(d.name)} | ${d.outcome}: ${cell(d.outcomeReason)} | ${d.objectives.met}/${d.objectives.total}${d.objectives.missed.length ? ` (missed: ${cell(d.objectives.missed.join(', '))})` : ''} | ${d.notFailedOver} | ${d.workflowId ? `\`${d.workflowId}\`` : '-'} |`),
    '',
    'Each drill that ran has its full report under `<report dir>/<drill>/<run>/`.',
    '',
  ];
  return lines.join('\n');
}

export function createGameDayActivities(deps: Pick<ActivityDeps, 'reportDir' | 'log'>): GameDayActivities {
  return {
    async writeGameDayReport(input) {
      const dir = join(deps.reportDir ?? input.outDir ?? 'reports', safeSegment(input.result.day.name), safeSegment(input.result.run.workflowId));
      await mkdir(dir, { recursive: true });
      const json = join(dir, 'gameday.json');
      const md = join(dir, 'gameday.md');
      await writeAtomic(json, `${JSON.stringify(input.result, null, 2)}\n`);
      await writeAtomic(md, renderGameDayMarkdown(input.result));
      deps.log.info({ gameday: input.result.day.name, dir }, 'game-day report written');
      return { dir, files: [json, md] };
    },
  };
}
