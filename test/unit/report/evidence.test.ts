import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeResultHash, sealResult, verifyResult } from '../../../report/evidence.js';
import type { DrillResult } from '../../../report/result.js';
import { failResult, passResult } from './fixtures/results.js';

/** The same object with its keys in reverse order at every depth. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]));
  return v;
}

describe('evidence hash', () => {
  it('seal then verify is ok, also after a JSON round trip', () => {
    const sealed = sealResult(passResult());
    expect(sealed.evidence?.resultSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyResult(sealed)).toEqual({ ok: true, expected: sealed.evidence!.resultSha256, actual: sealed.evidence!.resultSha256 });
    expect(verifyResult(JSON.parse(JSON.stringify(sealed, null, 2)) as DrillResult).ok).toBe(true);
  });

  it('tampering with any one field is detected', () => {
    const sealed = sealResult(failResult());
    const tampered = structuredClone(sealed);
    tampered.objectives[1]!.met = true;
    const v = verifyResult(tampered);
    expect(v.ok).toBe(false);
    expect(v.expected).toBe(sealed.evidence!.resultSha256);
    expect(v.actual).not.toBe(v.expected);

    const later = structuredClone(sealed);
    later.journal[2]!.identity = 'someone-else@example.com';
    expect(verifyResult(later).ok).toBe(false);
  });

  it('an unsealed result does not verify', () => {
    expect(verifyResult(passResult())).toMatchObject({ ok: false, expected: null });
  });

  it('does not depend on key order, and ignores the evidence field itself', () => {
    const r = passResult();
    expect(computeResultHash(reversed(r) as DrillResult)).toBe(computeResultHash(r));
    expect(computeResultHash({ ...r, evidence: { resultSha256: 'x' } })).toBe(computeResultHash(r));
  });

  it('canonical JSON sorts keys at every depth and parses back to the same value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const c = canonicalJson(v);
      expect(canonicalJson(JSON.parse(c))).toBe(c);
      expect(canonicalJson(reversed(v))).toBe(c);
    }));
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});
