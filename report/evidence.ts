import { createHash } from 'node:crypto';
import type { DrillResult } from './result.js';

/**
 * JSON with object keys sorted at every depth, so the same content always gives the same bytes
 * (and the same hash) whatever order a producer wrote the keys in. Array order is content.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** sha256 (hex) of the canonical JSON of the result without its `evidence` field. */
export function computeResultHash(result: DrillResult): string {
  const content: Partial<DrillResult> = { ...result };
  delete content.evidence;
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** The result with `evidence.resultSha256` set to the hash of its content. */
export function sealResult(result: DrillResult): DrillResult {
  return { ...result, evidence: { ...result.evidence, resultSha256: computeResultHash(result) } };
}

export interface Verification {
  ok: boolean;
  /** The hash recorded in the result (null when it was never sealed). */
  expected: string | null;
  /** The hash of the content as it is now. */
  actual: string;
}

export function verifyResult(result: DrillResult): Verification {
  const expected = result.evidence?.resultSha256 ?? null;
  const actual = computeResultHash(result);
  return { ok: expected === actual, expected, actual };
}
