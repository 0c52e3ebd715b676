import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// SSH keys made at test time with the machine's ssh-keygen, as people make theirs.

export interface TestKey {
  /** The private key file (OpenSSH format, no passphrase). */
  file: string;
  /** The public key line, as in id_ed25519.pub. */
  publicKey: string;
}

export function makeKeyDir(): { dir: string; key: (name: string, type?: 'ed25519' | 'ecdsa-256' | 'ecdsa-384' | 'ecdsa-521') => TestKey; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'firedrill-keys-'));
  return {
    dir,
    key(name, type = 'ed25519') {
      const file = path.join(dir, name);
      const args = type === 'ed25519' ? ['-t', 'ed25519'] : ['-t', 'ecdsa', '-b', type.slice(6)];
      execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', `${name}@test`, '-f', file], { stdio: 'ignore' });
      return { file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** ssh-keygen's own fingerprint of a key file: SHA256:... */
export function sshFingerprint(file: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(/\s+/)[1] ?? '';
}
