import { renderGameDayMarkdown } from '../report/gameday-markdown.js';
import type { GameDayResult } from '../report/gameday-result.js';
import { safeSegment, storeOf } from '../report/store.js';
import { joinKey, storeKeyProblem } from '../report/store-key.js';
import type { ActivityDeps } from './deps.js';

// The game day's combined result in the report store: <gameday>/<workflowId>/gameday.json (the
// source of truth, versioned) and gameday.md (the short summary people read), under the game
// day's outDir key when it names one. Each drill of the day keeps its own full report as usual.

export interface GameDayActivities {
  writeGameDayReport(input: { result: GameDayResult; outDir?: string }): Promise<{ dir: string; files: string[] }>;
}

export function createGameDayActivities(deps: Pick<ActivityDeps, 'reportStore' | 'reportDir' | 'log'>): GameDayActivities {
  return {
    async writeGameDayReport(input) {
      const store = deps.reportStore ?? storeOf(deps.reportDir ?? 'reports');
      const problem = input.outDir === undefined ? undefined : storeKeyProblem(input.outDir);
      if (problem) deps.log.warn({ gameday: input.result.day.name, outDir: input.outDir }, `game day outDir ${problem}; writing at the report store's root`);
      const dir = joinKey(problem ? undefined : input.outDir, safeSegment(input.result.day.name), safeSegment(input.result.run.workflowId));
      await store.write(`${dir}/gameday.json`, `${JSON.stringify(input.result, null, 2)}\n`, 'application/json');
      await store.write(`${dir}/gameday.md`, renderGameDayMarkdown(input.result), 'text/markdown; charset=utf-8');
      deps.log.info({ gameday: input.result.day.name, dir: store.where(dir) }, 'game-day report written');
      return { dir: store.where(dir), files: [store.where(`${dir}/gameday.json`), store.where(`${dir}/gameday.md`)] };
    },
  };
}
