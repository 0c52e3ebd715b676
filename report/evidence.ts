import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/**
 * sha256 (hex) of the canonical JSON of the result without its `evidence` field, except the
 * chain link (evidence.previousResultSha256) when it has one: re-pointing the link breaks the hash.
 */
export function computeResultHash(result: DrillResult): string {
  const content: Partial<DrillResult> = { ...result };
  delete content.evidence;
  const previous = result.evidence?.previousResultSha256;
  if (previous !== undefined) (content as Record<string, unknown>).evidence = { previousResultSha256: previous };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** What the signature covers: the content's hash and the previous result's, so neither can be swapped. */
function signedPayload(resultSha256: string, previous: string | null | undefined): Buffer {
  return Buffer.from(`firedrill-result-v1\n${resultSha256}\n${previous ?? 'none'}\n`, 'utf8');
}

/** sha256 of a public key's SPKI DER, base64: names the key in the result without trusting it. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `SHA256:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64').replace(/=+$/, '')}`;
}

export interface SealOptions {
  /** The recorded hash of the previous stored result of the same drill; null: this is the first. */
  previousResultSha256?: string | null;
  /** An ed25519 private key: the result is signed. */
  signingKey?: KeyObject;
}

/** The result with `evidence.resultSha256` set to the hash of its content, chained and signed when asked. */
export function sealResult(result: DrillResult, opts: SealOptions = {}): DrillResult {
  const chained = opts.previousResultSha256 !== undefined ? { previousResultSha256: opts.previousResultSha256 } : {};
  const resultSha256 = computeResultHash({ ...result, evidence: { resultSha256: '', ...chained } });
  const signature = opts.signingKey ? {
    algorithm: 'ed25519' as const,
    keyFingerprint: keyFingerprint(opts.signingKey),
    value: sign(null, signedPayload(resultSha256, opts.previousResultSha256), opts.signingKey).toString('base64'),
  } : undefined;
  return { ...result, evidence: { ...result.evidence, resultSha256, ...chained, ...(signature ? { signature } : {}) } };
}

/**
 * FIREDRILL_SIGNING_KEY: an ed25519 private key in PEM (PKCS#8), given as the PEM text or the
 * path of a file holding it. Unset: undefined. Anything else throws, naming the variable.
 */
export function signingKeyFrom(env: Record<string, string | undefined>): KeyObject | undefined {
  const v = env.FIREDRILL_SIGNING_KEY?.trim();
  if (!v) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey(v.startsWith('-----BEGIN') ? v : readFileSync(v, 'utf8'));
  } catch (err) {
    throw new Error(`FIREDRILL_SIGNING_KEY: not an ed25519 private key in PEM, nor a file holding one (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`FIREDRILL_SIGNING_KEY: an ed25519 key is needed, not ${key.asymmetricKeyType}`);
  return key;
}

/** A public key for verification: PEM (SPKI, or the private key itself) or an OpenSSH ssh-ed25519 line. */
export function publicKeyFrom(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('ssh-ed25519 ')) {
    const blob = Buffer.from(t.split(/\s+/)[1] ?? '', 'base64');
    // string "ssh-ed25519" (4 + 11 bytes), then string key (4 + 32 bytes).
    if (blob.length !== 51) throw new Error('malformed ssh-ed25519 key');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: blob.subarray(19).toString('base64url') }, format: 'jwk' });
  }
  const key = createPublicKey(t);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ed25519 key is needed, not ${key.asymmetricKeyType}`);
  return key;
}

export interface SignatureCheck {
  ok: boolean;
  message: string;
}

/** Whether the result's signature was made by `key` over its recorded hash and chain link. */
export function verifySignature(result: DrillResult, key: KeyObject): SignatureCheck {
  const e = result.evidence;
  if (!e?.signature) return { ok: false, message: 'not signed' };
  const fp = keyFingerprint(key);
  if (e.signature.keyFingerprint !== fp) return { ok: false, message: `signed by key ${e.signature.keyFingerprint}, not by the given key ${fp}` };
  const ok = verify(null, signedPayload(e.resultSha256, e.previousResultSha256), key, Buffer.from(e.signature.value, 'base64'));
  return ok ? { ok: true, message: `signature by ${fp} verified` } : { ok: false, message: 'the signature does not match the recorded hashes' };
}

export interface ChainProblem { file: string; message: string }

/**
 * Checks every stored result of each drill, oldest first: its content against its recorded hash,
 * and its link to the one stored before it. A removed run leaves a link to a hash nobody has;
 * an edited one no longer matches its hash (and, re-hashed, the link of the run after it).
 */
export function verifyChain(stored: Array<{ file: string; result: DrillResult }>): { checked: number; problems: ChainProblem[] } {
  const problems: ChainProblem[] = [];
  const byDrill = new Map<string, Array<{ file: string; result: DrillResult }>>();
  for (const s of stored) byDrill.set(s.result.drill.name, [...(byDrill.get(s.result.drill.name) ?? []), s]);
  for (const runs of byDrill.values()) {
    runs.sort((a, b) => Date.parse(a.result.run.startedAt) - Date.parse(b.result.run.startedAt));
    const known = new Map(runs.map((s, i) => [s.result.evidence?.resultSha256, i]));
    runs.forEach((s, i) => {
      const v = verifyResult(s.result);
      if (!v.ok) problems.push({ file: s.file, message: v.expected ? `edited after it was sealed (recorded ${v.expected}, content ${v.actual})` : 'never sealed' });
      const prev = s.result.evidence?.previousResultSha256;
      if (prev === undefined) return;
      const before = runs[i - 1];
      if (prev === null) {
        if (before) problems.push({ file: s.file, message: `claims to be the drill's first result, but ${i} earlier result(s) are stored` });
        return;
      }
      if (before?.result.evidence?.resultSha256 === prev) return;
      const at = known.get(prev);
      if (at === undefined) problems.push({ file: s.file, message: `the result before it (sha256 ${prev}) is missing: removed, or edited and re-hashed` });
      else problems.push({ file: s.file, message: `its previous result is ${runs[at]?.file}, not ${before?.file ?? 'none'}: results in between were added or reordered` });
    });
  }
  return { checked: stored.length, problems };
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
