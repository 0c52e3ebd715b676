import { describe, expect, it } from 'vitest';
import { parseResultJson } from '../../../report/schema.js';
import { abortedResult, hostileResult, noImpactResult, notRecoveredResult, passResult } from './fixtures/results.js';

describe('reading result.json back', () => {
  it.each([passResult(), abortedResult(), notRecoveredResult(), noImpactResult(), hostileResult()])('accepts every fixture', (r) => {
    const parsed = parseResultJson(JSON.stringify(r), 'r.json');
    expect(parsed.ok).toBe(true);
  });

  it('keeps unknown fields, so the hash of what was read is the hash of what is on disk', () => {
    const parsed = parseResultJson(JSON.stringify({ ...passResult(), extra: { a: 1 } }), 'r.json');
    expect(parsed.ok && (parsed.result as unknown as { extra: unknown }).extra).toEqual({ a: 1 });
  });

  it('names the file and the field for bad input', () => {
    expect(parseResultJson('{', 'x.json')).toMatchObject({ ok: false, message: expect.stringMatching(/^x\.json: not valid JSON/) });
    expect(parseResultJson('[]', 'x.json')).toMatchObject({ ok: false, message: expect.stringContaining('not a firedrill result') });
    const r = passResult() as unknown as { run: { startedAt: unknown } };
    r.run.startedAt = 'yesterday';
    expect(parseResultJson(JSON.stringify(r), 'x.json')).toMatchObject({ ok: false, message: expect.stringContaining('run.startedAt') });
  });
});
