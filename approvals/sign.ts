import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { APPROVAL_NAMESPACE } from './statement.js';

// Signing is left to ssh-keygen (OpenSSH 8.0 or later): it reads every private key format,
// asks for a passphrase itself, and signs with the ssh-agent when given a public key file.

export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

/** Signs `statement` with the key in `keyFile` (a private key, or a .pub whose key the agent holds). */
export async function signStatement(keyFile: string, statement: string, opts: { sshKeygen?: string } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'firedrill-approve-'));
  try {
    const msg = path.join(dir, 'statement');
    await writeFile(msg, statement, 'utf8');
    const stderr: Buffer[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(opts.sshKeygen ?? 'ssh-keygen', ['-q', '-Y', 'sign', '-f', expandHome(keyFile), '-n', APPROVAL_NAMESPACE, msg], { stdio: ['inherit', 'ignore', 'pipe'] });
      p.stderr.on('data', (d: Buffer) => stderr.push(d));
      p.on('error', (err) => reject(new Error(`cannot run ssh-keygen: ${err.message}`)));
      p.on('close', resolve);
    });
    if (code !== 0) throw new Error(`ssh-keygen could not sign with ${keyFile}: ${Buffer.concat(stderr).toString('utf8').trim() || `exit ${code}`}`);
    return await readFile(`${msg}.sig`, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
