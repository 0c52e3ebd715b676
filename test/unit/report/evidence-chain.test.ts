import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeResultHash, keyFingerprint, publicKeyFrom, signingKeyFrom, verifyChain, verifyResult, verifySignature } from '../../../report/evidence.js';
import type { DrillResult } from '../../../report/result.js';
import { scanResults } from '../../../report/store.js';
import { writeReports } from '../../../report/write.js';
import { passResult } from './fixtures/results.js';

// Signed, chained evidence: each stored result names the hash of the drill's result stored
// before it, so removing or editing a run breaks the chain; a signature says who sealed it.

const dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });

function run(i: number): DrillResult {
  const r = passResult();
  const start = new Date(Date.parse('2026-10-01T09:00:00Z') + i * 86_400_000).toISOString();
  return { ...r, run: { ...r.run, workflowId: `${r.drill.name}-run-${i}`, startedAt: start } };
}

async function store(n: number, signingKey?: ReturnType<typeof generateKeyPairSync>['privateKey']) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'firedrill-chain-'));
  dirs.push(dir);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const out = await writeReports(run(i), { outDir: dir, formats: ['json'], ...(signingKey ? { signingKey } : {}) });
    files.push(path.join(out.dir, 'result.json'));
  }
  const read = async () => verifyChain((await scanResults(dir)).results);
  return { dir, files, read };
}

describe('chained evidence', () => {
  it('links each result to the one stored before it, the first to none, and verifies as a whole', async () => {
    const s = await store(3);
    const results = await Promise.all(s.files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as DrillResult));
    expect(results[0]!.evidence?.previousResultSha256).toBeNull();
    expect(results[1]!.evidence?.previousResultSha256).toBe(results[0]!.evidence?.resultSha256);
    expect(results[2]!.evidence?.previousResultSha256).toBe(results[1]!.evidence?.resultSha256);
    expect(results.every((r) => verifyResult(r).ok)).toBe(true);
    expect(await s.read()).toEqual({ checked: 3, problems: [] });
  });

  it('detects a removed run by the link of the run after it', async () => {
    const s = await store(3);
    await rm(path.dirname(s.files[1]!), { recursive: true });
    const v = await s.read();
    expect(v.problems).toEqual([{ file: s.files[2], message: expect.stringMatching(/the result before it .* is missing/) }]);
  });

  it('detects an edited run, and one edited and re-hashed by the link after it', async () => {
    const s = await store(3);
    const r = JSON.parse(await readFile(s.files[1]!, 'utf8')) as DrillResult;
    r.outcomeReason = 'all good, honestly';
    await writeFile(s.files[1]!, JSON.stringify(r));
    expect((await s.read()).problems).toEqual([{ file: s.files[1], message: expect.stringMatching(/edited after it was sealed/) }]);
    r.evidence = { ...r.evidence!, resultSha256: computeResultHash(r) };
    await writeFile(s.files[1]!, JSON.stringify(r));
    expect((await s.read()).problems).toEqual([{ file: s.files[2], message: expect.stringMatching(/is missing: removed, or edited and re-hashed/) }]);
  });

  it('re-pointing a link breaks the hash of the result that carries it', async () => {
    const s = await store(2);
    const r = JSON.parse(await readFile(s.files[1]!, 'utf8')) as DrillResult;
    r.evidence = { ...r.evidence!, previousResultSha256: null };
    expect(verifyResult(r).ok).toBe(false);
  });
});

describe('signed evidence', () => {
  it('signs with FIREDRILL_SIGNING_KEY (file or PEM) and verifies with the public key only', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'firedrill-key-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'key.pem'), pem);
    expect(keyFingerprint(signingKeyFrom({ FIREDRILL_SIGNING_KEY: path.join(dir, 'key.pem') })!)).toBe(keyFingerprint(publicKey));
    expect(keyFingerprint(signingKeyFrom({ FIREDRILL_SIGNING_KEY: pem })!)).toBe(keyFingerprint(publicKey));
    expect(signingKeyFrom({})).toBeUndefined();
    expect(() => signingKeyFrom({ FIREDRILL_SIGNING_KEY: path.join(dir, 'nope.pem') })).toThrow(/FIREDRILL_SIGNING_KEY/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signingKeyFrom({ FIREDRILL_SIGNING_KEY: rsa })).toThrow(/ed25519 key is needed/);

    const s = await store(2, privateKey);
    const r = JSON.parse(await readFile(s.files[1]!, 'utf8')) as DrillResult;
    const pub = publicKeyFrom(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(verifySignature(r, pub)).toEqual({ ok: true, message: expect.stringContaining('verified') });
    const ssh = `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')]).toString('base64')} k`;
    expect(verifySignature(r, publicKeyFrom(ssh)).ok).toBe(true);
    expect(verifySignature(r, generateKeyPairSync('ed25519').publicKey)).toMatchObject({ ok: false, message: expect.stringContaining('not by the given key') });
    // Re-hashed by someone without the key: the hash holds, the signature does not.
    r.outcomeReason = 'edited';
    r.evidence = { ...r.evidence!, resultSha256: computeResultHash(r) };
    expect(verifyResult(r).ok).toBe(true);
    expect(verifySignature(r, pub)).toMatchObject({ ok: false, message: 'the signature does not match the recorded hashes' });
  });
});
