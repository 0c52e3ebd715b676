import { describe, expect, it } from 'vitest';
import { exitCodeFor, exitCodeForOutcome, gameDayExitCode } from '../../../client/outcomes.js';
import { summaryLines } from '../../../cli/summary.js';
import { OUTCOMES } from '../../../report/result.js';
import { failResult, inconclusiveResult, notRestoredResult, passResult } from '../report/fixtures/results.js';

describe('the command-line contract for outcomes', () => {
  it('exits 0 only for passed, 1 for missed or inconclusive, 2 for everything else', () => {
    expect(Object.fromEntries(OUTCOMES.map((o) => [o, exitCodeForOutcome(o)]))).toEqual({
      passed: 0, failed: 1, inconclusive: 1, aborted: 2, refused: 2, skipped: 2, error: 2,
    });
    expect(exitCodeFor(passResult())).toBe(0);
    expect(exitCodeFor(inconclusiveResult())).toBe(1);
    expect(exitCodeFor(notRestoredResult())).toBe(2);
    expect(gameDayExitCode({ outcome: 'inconclusive' })).toBe(1);
  });

  it('never prints PASS for an objective that was not observed well enough', () => {
    const lines = summaryLines(inconclusiveResult());
    expect(lines.some((l) => /^ {2}INCONCLUSIVE {2}/.test(l))).toBe(true);
    expect(lines.filter((l) => /^ {2}PASS /.test(l) && /not observed|no observation/.test(l))).toEqual([]);
    expect(lines.some((l) => l.startsWith('coverage: '))).toBe(true);
    expect(lines[2]).toMatch(/^outcome: INCONCLUSIVE: /);
  });

  it('counts the nodes the run changed when it says how many were restored', () => {
    const r = notRestoredResult();
    const changed = r.injection?.nodes ?? [];
    expect(summaryLines(r).at(-1)).toBe(`restore: ${changed.filter((n) => n.restored).length}/${changed.length} node(s) restored`);
    expect(summaryLines(failResult()).some((l) => /^ {2}FAIL {2}/.test(l))).toBe(true);
  });
});
