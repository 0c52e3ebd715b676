import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../report/atomic-write.js';
import { renderGameDayMarkdown } from '../report/gameday-markdown.js';
import type { GameDayResult } from '../report/gameday-result.js';
import { safeSegment } from '../report/store.js';
import type { ActivityDeps } from './deps.js';

// The game day's combined result: <outDir>/<gameday>/<workflowId>/gameday.json (the source of
// truth, versioned) and gameday.md (the short summary people read). Each drill of the day keeps
// its own full report under <outDir>/<drill>/<workflowId>/ as usual.

export interface GameDayActivities {
  writeGameDayReport(input: { result: GameDayResult; outDir?: string }): Promise<{ dir: string; files: string[] }>;
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
