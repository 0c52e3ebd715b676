import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

// OpenSSH public keys (the `ssh-ed25519 AAAA… comment` lines of authorized_keys) and SSH
// signatures (`ssh-keygen -Y sign`, the SSHSIG format of OpenSSH's PROTOCOL.sshsig), read with
// Node's crypto alone: approvers sign with the keys and the agent they already have, and the
// worker needs no ssh binary to check them.

export const SSH_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

export interface SshPublicKey {
  type: SshKeyType;
  /** The key's wire encoding (what the base64 field holds). */
  blob: Buffer;
  key: KeyObject;
  /** As `ssh-keygen -l` prints it: SHA256:<base64 without padding>. */
  fingerprint: string;
}

const CURVES: Record<string, { crv: string; size: number; hash: string }> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

/** Reads SSH wire strings (uint32 length, bytes) one after another. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error('truncated');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  done(): boolean {
    return this.at === this.buf.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  return Buffer.concat([len, data]);
}

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A public key from its wire encoding; throws with the reason it is not one we accept. */
export function publicKeyFromBlob(blob: Buffer): SshPublicKey {
  const r = new Reader(blob);
  const type = r.string().toString('latin1');
  if (type === 'ssh-ed25519') {
    const pk = r.string();
    if (pk.length !== 32 || !r.done()) throw new Error('malformed ssh-ed25519 key');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pk.toString('base64url') }, format: 'jwk' });
    return { type, blob, key, fingerprint: fingerprintOf(blob) };
  }
  const m = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(type);
  if (m) {
    const curve = CURVES[m[1]!]!;
    if (r.string().toString('latin1') !== m[1]) throw new Error(`malformed ${type} key: curve name differs`);
    const q = r.string();
    if (q.length !== 1 + 2 * curve.size || q[0] !== 4 || !r.done()) throw new Error(`malformed ${type} key`);
    const key = createPublicKey({
      key: { kty: 'EC', crv: curve.crv, x: q.subarray(1, 1 + curve.size).toString('base64url'), y: q.subarray(1 + curve.size).toString('base64url') },
      format: 'jwk',
    });
    return { type: type as SshKeyType, blob, key, fingerprint: fingerprintOf(blob) };
  }
  throw new Error(`key type ${JSON.stringify(type)} is not accepted (use ${SSH_KEY_TYPES.join(', ')})`);
}

/** Parses one OpenSSH public key line (`type base64 [comment]`); throws with the reason. */
export function parseSshPublicKey(line: string): SshPublicKey {
  const parts = line.trim().split(/\s+/);
  const [type, data] = parts;
  if (!type || !data) throw new Error('expected an OpenSSH public key line: "<type> <base64> [comment]"');
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    throw new Error(`key type ${JSON.stringify(type)} is not accepted (use ${SSH_KEY_TYPES.join(', ')})`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw new Error('the key is not base64');
  const parsed = publicKeyFromBlob(Buffer.from(data, 'base64'));
  if (parsed.type !== type) throw new Error(`the key says ${parsed.type} but the line says ${type}`);
  return parsed;
}

export interface SshSignature {
  publicKey: SshPublicKey;
  namespace: string;
  hashAlgorithm: 'sha256' | 'sha512';
  signatureType: string;
  signature: Buffer;
}

const ARMOR = /^-----BEGIN SSH SIGNATURE-----\s+([A-Za-z0-9+/=\s]+?)\s*-----END SSH SIGNATURE-----\s*$/;

/** Parses an armored SSHSIG signature (what `ssh-keygen -Y sign` writes). */
export function parseSshSignature(armored: string): SshSignature {
  const m = ARMOR.exec(armored.trim());
  if (!m) throw new Error('not an SSH signature (expected -----BEGIN SSH SIGNATURE-----)');
  const r = new Reader(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  if (r.bytes(6).toString('latin1') !== 'SSHSIG') throw new Error('not an SSH signature (magic)');
  const version = r.uint32();
  if (version !== 1) throw new Error(`SSH signature version ${version} is not supported`);
  const publicKey = publicKeyFromBlob(Buffer.from(r.string()));
  const namespace = r.string().toString('utf8');
  r.string(); // reserved
  const hashAlgorithm = r.string().toString('latin1');
  if (hashAlgorithm !== 'sha256' && hashAlgorithm !== 'sha512') throw new Error(`hash ${hashAlgorithm} is not supported`);
  const sig = new Reader(Buffer.from(r.string()));
  if (!r.done()) throw new Error('trailing bytes after the signature');
  const signatureType = sig.string().toString('latin1');
  const signature = Buffer.from(sig.string());
  return { publicKey, namespace, hashAlgorithm, signatureType, signature };
}

/** An mpint (big-endian, maybe with a leading zero) padded to the curve's size. */
function fixed(mpint: Buffer, size: number): Buffer {
  const v = mpint.subarray(mpint.findIndex((b) => b !== 0) === -1 ? mpint.length : mpint.findIndex((b) => b !== 0));
  if (v.length > size) throw new Error('malformed ECDSA signature');
  return Buffer.concat([Buffer.alloc(size - v.length), v]);
}

/**
 * Checks an SSHSIG signature over `message` in `namespace`. Returns the signing key when the
 * signature holds; throws with the reason otherwise. Which keys may sign is the caller's choice.
 */
export function verifySshSignature(armored: string, message: string | Buffer, namespace: string): SshPublicKey {
  const s = parseSshSignature(armored);
  if (s.namespace !== namespace) throw new Error(`signed for namespace ${JSON.stringify(s.namespace)}, not ${JSON.stringify(namespace)}`);
  if (s.signatureType !== s.publicKey.type) throw new Error(`signature type ${s.signatureType} does not match key type ${s.publicKey.type}`);
  const digest = createHash(s.hashAlgorithm).update(message).digest();
  const signed = Buffer.concat([Buffer.from('SSHSIG'), sshString(namespace), sshString(''), sshString(s.hashAlgorithm), sshString(digest)]);
  let ok: boolean;
  if (s.publicKey.type === 'ssh-ed25519') {
    ok = verify(null, signed, s.publicKey.key, s.signature);
  } else {
    const curve = CURVES[s.publicKey.type.replace('ecdsa-sha2-', '')]!;
    const rs = new Reader(s.signature);
    const raw = Buffer.concat([fixed(rs.string(), curve.size), fixed(rs.string(), curve.size)]);
    ok = verify(curve.hash, signed, { key: s.publicKey.key, dsaEncoding: 'ieee-p1363' }, raw);
  }
  if (!ok) throw new Error('the signature does not match the statement');
  return s.publicKey;
}
