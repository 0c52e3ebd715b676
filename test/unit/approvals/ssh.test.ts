import { afterAll, describe, expect, it } from 'vitest';
import { verifyApproval } from '../../../activities/approvals.js';
import { signStatement } from '../../../approvals/sign.js';
import { parseSshPublicKey, parseSshSignature, verifySshSignature } from '../../../approvals/ssh.js';
import { APPROVAL_NAMESPACE, approvalStatement } from '../../../approvals/statement.js';
import { drillSpecSchema } from '../../../drills/schema/index.js';
import { makeKeyDir, sshFingerprint } from '../../support/ssh-keys.js';

const keys = makeKeyDir();
afterAll(() => keys.remove());

const fields = { workflowId: 'whole-cluster-power-loss-20261201T100000Z', drill: 'whole-cluster-power-loss', specSha256: 'a'.repeat(64), target: 'the whole cluster' };

describe('OpenSSH public keys', () => {
  for (const type of ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521'] as const) {
    it(`parses a ${type} key with the fingerprint ssh-keygen prints`, () => {
      const k = keys.key(`k-${type}`, type);
      const parsed = parseSshPublicKey(k.publicKey);
      expect(parsed.type).toBe(type === 'ed25519' ? 'ssh-ed25519' : `ecdsa-sha2-nistp${type.slice(6)}`);
      expect(parsed.fingerprint).toBe(sshFingerprint(`${k.file}.pub`));
    });
  }

  it('refuses RSA keys, damaged keys and a type that does not match the blob', () => {
    const ed = keys.key('mismatch').publicKey.split(' ');
    expect(() => parseSshPublicKey('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ')).toThrow(/not accepted/);
    expect(() => parseSshPublicKey(`ssh-ed25519 ${ed[1]!.slice(0, 30)}`)).toThrow();
    expect(() => parseSshPublicKey(`ecdsa-sha2-nistp256 ${ed[1]}`)).toThrow(/says ssh-ed25519/);
    expect(() => parseSshPublicKey('ssh-ed25519')).toThrow(/OpenSSH public key line/);
  });
});

describe('signed approval statements', () => {
  it('names the run, the drill, the spec sha256 and the target, one per line', () => {
    expect(approvalStatement(fields)).toBe(
      `firedrill approval v1\nrun: ${fields.workflowId}\ndrill: ${fields.drill}\nspec-sha256: ${'a'.repeat(64)}\ntarget: the whole cluster\n`,
    );
  });

  for (const type of ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521'] as const) {
    it(`verifies a ${type} signature from ssh-keygen -Y sign, and refuses it over another statement`, async () => {
      const k = keys.key(`s-${type}`, type);
      const statement = approvalStatement(fields);
      const sig = await signStatement(k.file, statement);
      expect(parseSshSignature(sig).namespace).toBe(APPROVAL_NAMESPACE);
      expect(verifySshSignature(sig, statement, APPROVAL_NAMESPACE).fingerprint).toBe(sshFingerprint(`${k.file}.pub`));
      expect(() => verifySshSignature(sig, approvalStatement({ ...fields, workflowId: `${fields.workflowId}x` }), APPROVAL_NAMESPACE)).toThrow(/does not match/);
      expect(() => verifySshSignature(sig, statement, 'git')).toThrow(/namespace/);
    });
  }

  it('names the listed approver whose key signed, and refuses an unlisted key and a damaged signature', async () => {
    const alice = keys.key('alice');
    const bob = keys.key('bob');
    const mallory = keys.key('mallory');
    const statement = approvalStatement(fields);
    const approvers = [{ name: 'alice', key: alice.publicKey }, { name: 'bob', key: bob.publicKey }];
    expect(verifyApproval({ statement, approvers, signature: await signStatement(bob.file, statement) }))
      .toEqual({ ok: true, name: 'bob', fingerprint: sshFingerprint(`${bob.file}.pub`), keyType: 'ssh-ed25519' });
    const forged = verifyApproval({ statement, approvers, signature: await signStatement(mallory.file, statement) });
    expect(forged).toMatchObject({ ok: false, reason: expect.stringContaining('not listed') });
    const sig = await signStatement(alice.file, statement);
    const lines = sig.split('\n');
    lines[2] = `${lines[2]!.slice(0, 10)}${lines[2]![10] === 'A' ? 'B' : 'A'}${lines[2]!.slice(11)}`;
    expect(verifyApproval({ statement, approvers, signature: lines.join('\n') })).toMatchObject({ ok: false });
    expect(verifyApproval({ statement, approvers, signature: 'hello' })).toMatchObject({ ok: false, reason: expect.stringContaining('not an SSH signature') });
  });
});

describe('approval in the drill schema', () => {
  const base = (approval: unknown) => ({
    apiVersion: 'firedrill.dev/v1', kind: 'Drill', metadata: { name: 'd', owner: 'o' },
    target: { type: 'zone', zone: 'zone-a' }, fault: { mode: 'cordon' }, timing: { hold: '1m', maxDuration: '10m' },
    probes: [{ name: 'p', type: 'http', url: 'http://x.invalid/', interval: '1s', tolerance: { stableFor: '5s' } }],
    objectives: [{ type: 'rto', target: '5m' }], approval,
  });

  it('takes names and keyed approvers side by side, with a quorum that defaults to 1', () => {
    const key = keys.key('schema').publicKey;
    const r = drillSpecSchema.safeParse(base({ required: true, approvers: ['ops', { name: 'alice', key }] }));
    expect(r.success && r.data.approval).toMatchObject({ quorum: 1, approvers: ['ops', { name: 'alice', key }] });
  });

  it('refuses a quorum larger than the list, an approver listed twice and a key that is no OpenSSH line', () => {
    const msg = (approval: unknown) => {
      const r = drillSpecSchema.safeParse(base(approval));
      return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(msg({ required: true, quorum: 3, approvers: ['a', 'b'] })).toMatch(/approval.quorum: quorum 3 is more than the 2/);
    expect(msg({ required: true, approvers: ['a', { name: 'a', key: keys.key('twice').publicKey }] })).toMatch(/listed twice/);
    expect(msg({ required: true, approvers: [{ name: 'a', key: 'ssh-rsa AAAA' }] })).toMatch(/OpenSSH public key line/);
  });
});
