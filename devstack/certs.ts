import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { aptInstall } from './apt.js';
import { StackError } from './errors.js';
import { run, which } from './exec.js';
import type { Progress } from './provision.js';

// A private CA and the certificates of the embedded Temporal server's mTLS, made with openssl
// (Node can verify certificates but not issue them). Keys are EC P-256, written 0600.

/** The name the server's certificate is issued for (and clients verify it against). */
export const SERVER_NAME = 'localhost';

export interface CertPair {
  certFile: string;
  keyFile: string;
}

export interface DevCerts {
  caFile: string;
  caKeyFile: string;
  /** The server's certificate: serverAuth for the frontend, clientAuth between its own services. */
  server: CertPair;
  /** A client certificate for workers, the CLI and the tests. */
  client: CertPair;
  serverName: string;
}

async function openssl(progress: Progress): Promise<string> {
  return aptInstall('openssl', () => which('openssl'), 'install openssl (Debian/Ubuntu: apt-get install openssl)', progress);
}

async function sh(bin: string, args: string[]): Promise<void> {
  const res = await run(bin, args);
  if (res.code !== 0) throw new StackError(`openssl ${args[0]} failed (exit ${res.code}):\n${res.stderr.slice(-1500)}`);
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed CA named `name`, valid for `days`. */
export async function makeCa(dir: string, name: string, progress: Progress, days = 3650): Promise<{ caFile: string; caKeyFile: string }> {
  const bin = await openssl(progress);
  await fs.mkdir(dir, { recursive: true });
  const caFile = path.join(dir, `${name}.pem`);
  const caKeyFile = path.join(dir, `${name}.key`);
  await sh(bin, ['req', '-x509', ...KEY, '-keyout', caKeyFile, '-out', caFile, '-days', String(days), '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await fs.chmod(caKeyFile, 0o600);
  return { caFile, caKeyFile };
}

/**
 * A certificate signed by the CA. `days` below zero makes one that expired that many days ago
 * (openssl sets notAfter before notBefore), for tests of the expired-certificate error.
 */
export async function issueCert(
  ca: { caFile: string; caKeyFile: string },
  dir: string,
  name: string,
  opts: { usage: 'server' | 'client'; days?: number; progress: Progress; /** More DNS names for a server certificate. */ names?: string[] },
): Promise<CertPair> {
  const bin = await openssl(opts.progress);
  await fs.mkdir(dir, { recursive: true });
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  await sh(bin, ['req', '-new', ...KEY, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  await fs.chmod(keyFile, 0o600);
  await fs.writeFile(ext, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    opts.usage === 'server' ? 'extendedKeyUsage=serverAuth,clientAuth' : 'extendedKeyUsage=clientAuth',
    ...(opts.usage === 'server' ? [`subjectAltName=${[SERVER_NAME, ...(opts.names ?? [])].map((n) => `DNS:${n}`).join(',')},IP:127.0.0.1`] : []),
    '',
  ].join('\n'));
  await sh(bin, ['x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.caKeyFile, '-CAcreateserial',
    '-days', String(opts.days ?? 397), '-sha256', '-extfile', ext, '-out', certFile]);
  await Promise.all([fs.rm(csr, { force: true }), fs.rm(ext, { force: true })]);
  return { certFile, keyFile };
}

/** True when the certificate exists and stays valid for at least `days` more days. */
async function validFor(file: string, days: number): Promise<boolean> {
  try {
    const cert = new X509Certificate(await fs.readFile(file));
    return Date.parse(cert.validTo) - Date.now() > days * 86_400_000;
  } catch {
    return false;
  }
}

/**
 * The stack's CA, server and client certificates under dir, made on first use; a set that is
 * incomplete or expires within 30 days is made again (clients then need the new CA file, which
 * keeps its path).
 */
export async function ensureDevCerts(dir: string, progress: Progress, names: string[] = []): Promise<DevCerts> {
  const certs: DevCerts = {
    caFile: path.join(dir, 'ca.pem'),
    caKeyFile: path.join(dir, 'ca.key'),
    server: { certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') },
    client: { certFile: path.join(dir, 'client.pem'), keyFile: path.join(dir, 'client.key') },
    serverName: SERVER_NAME,
  };
  const files = [certs.caKeyFile, certs.server.keyFile, certs.client.keyFile];
  const keysThere = (await Promise.all(files.map((f) => fs.access(f).then(() => true, () => false)))).every(Boolean);
  const fresh = keysThere && (await Promise.all([certs.caFile, certs.server.certFile, certs.client.certFile].map((f) => validFor(f, 30)))).every(Boolean);
  if (fresh) return certs;
  progress(`making the embedded Temporal server's CA and certificates in ${dir}`);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa(dir, 'ca', progress);
  await issueCert(ca, dir, 'server', { usage: 'server', progress, names });
  await issueCert(ca, dir, 'client', { usage: 'client', progress });
  return certs;
}
