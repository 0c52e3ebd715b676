import { describe, expect, it } from 'vitest';
import { dayOutcome, summarise } from '../../../workflows/gameday.js';
import type { GameDayDrillSummary } from '../../../report/gameday-result.js';
import { inconclusiveResult, passResult } from '../report/fixtures/results.js';

const drill = (name: string, outcome: GameDayDrillSummary['outcome']): GameDayDrillSummary => ({
  name, file: `${name}.yaml`, workflowId: `${name}-20261201T093000Z`, outcome, outcomeReason: outcome,
  objectives: { met: 0, total: 1, missed: [] }, notFailedOver: 0,
});

describe('a game day\'s outcome', () => {
  it('is inconclusive when a drill could not be judged and none missed, and failed once one missed', () => {
    expect(dayOutcome([drill('a', 'passed'), drill('b', 'inconclusive')]).outcome).toBe('inconclusive');
    expect(dayOutcome([drill('a', 'inconclusive'), drill('b', 'failed')]).outcome).toBe('failed');
    expect(dayOutcome([drill('a', 'passed'), drill('b', 'passed')]).outcome).toBe('passed');
  });

  it('does not count an objective that could not be judged as met', () => {
    const s = summarise('d.yaml', inconclusiveResult());
    expect(s.objectives.met).toBeLessThan(s.objectives.total);
    expect(summarise('d.yaml', passResult()).objectives.missed).toEqual([]);
  });
});
