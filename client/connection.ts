import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import { ClientError } from './errors.js';

// Where a client finds Temporal, and the one place a connection is opened.

/** TLS files and an API key, as Temporal's own CLI names them (TEMPORAL_TLS_*, TEMPORAL_API_KEY). */
export interface TemporalSecurity {
  /** Forces TLS on (true) or off (false); unset: on when any TLS file or an API key is given. */
  tls?: boolean;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  serverName?: string;
  apiKey?: string;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
  security?: TemporalSecurity;
}

/** The options both Connection (client) and NativeConnection (worker) take. */
export interface ConnectionOptions {
  address: string;
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Uint8Array;
    clientCertPair?: { crt: Uint8Array; key: Uint8Array };
  };
  apiKey?: string;
}

async function readNamed(variable: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new TemporalConnectError(`${variable}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export async function connectionOptions(address: string, s: TemporalSecurity = {}): Promise<ConnectionOptions> {
  if (Boolean(s.certFile) !== Boolean(s.keyFile)) {
    throw new TemporalConnectError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both for a client certificate, or neither');
  }
  const anyTls = Boolean(s.certFile || s.caFile || s.serverName);
  // Temporal Cloud takes an API key over TLS only; a plain-text server needs TEMPORAL_TLS=false.
  const useTls = s.tls ?? (anyTls || Boolean(s.apiKey));
  if (s.tls === false && anyTls) throw new TemporalConnectError('TEMPORAL_TLS=false, but TLS files are set (TEMPORAL_TLS_CERT, _KEY, _CA or _SERVER_NAME)');
  const out: ConnectionOptions = { address, ...(s.apiKey ? { apiKey: s.apiKey } : {}) };
  if (!useTls) return out;
  out.tls = {
    ...(s.serverName ? { serverNameOverride: s.serverName } : {}),
    ...(s.caFile ? { serverRootCACertificate: await readNamed('TEMPORAL_TLS_CA', s.caFile) } : {}),
    ...(s.certFile && s.keyFile
      ? { clientCertPair: { crt: await readNamed('TEMPORAL_TLS_CERT', s.certFile), key: await readNamed('TEMPORAL_TLS_KEY', s.keyFile) } }
      : {}),
  };
  return out;
}

/** Connecting failed for a reason the user can fix: one line, never a gRPC stack. */
export class TemporalConnectError extends ClientError {}

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(address.slice(i + 1)) || 7233 };
}

function validTo(pem: Uint8Array | undefined): string {
  if (!pem) return '';
  try {
    return ` (valid until ${new Date(new X509Certificate(pem).validTo).toISOString()})`;
  } catch {
    return '';
  }
}

/**
 * gRPC reports every failed TLS handshake as "failed to connect" or "connection closed": the
 * reason (an untrusted CA, an expired or missing client certificate) is in the TLS alert it
 * drops. This repeats the handshake with Node's TLS and turns what went wrong into one line.
 */
export async function diagnoseTls(address: string, options: ConnectionOptions, s: TemporalSecurity = {}): Promise<string | undefined> {
  const { host, port } = hostPort(address);
  const at = `Temporal at ${address}`;
  const t = options.tls;
  let handshook = false;
  const outcome = await new Promise<{ code?: string; message?: string; ok?: boolean }>((resolve) => {
    let sock: tls.TLSSocket;
    try {
      sock = tls.connect({
        host, port, ALPNProtocols: ['h2'],
        servername: t?.serverNameOverride ?? (net.isIP(host) ? undefined : host),
        ...(t?.serverRootCACertificate ? { ca: Buffer.from(t.serverRootCACertificate) } : {}),
        ...(t?.clientCertPair ? { cert: Buffer.from(t.clientCertPair.crt), key: Buffer.from(t.clientCertPair.key) } : {}),
        // Without TLS configured, the probe only asks whether the server speaks TLS at all.
        ...(t ? {} : { rejectUnauthorized: false }),
      });
    } catch (err) {
      resolve({ code: (err as NodeJS.ErrnoException).code ?? 'ERR_TLS_SETUP', message: (err as Error).message });
      return;
    }
    const timer = setTimeout(() => { sock.destroy(); resolve({ ok: true }); }, 3000);
    const done = (r: { code?: string; message?: string; ok?: boolean }) => { clearTimeout(timer); sock.destroy(); resolve(r); };
    sock.once('secureConnect', () => {
      handshook = true;
      // TLS 1.3 servers check the client certificate after the handshake: their alert comes with the first read.
      sock.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      sock.once('data', () => done({ ok: true }));
    });
    sock.once('error', (err: NodeJS.ErrnoException) => done({ code: err.code ?? '', message: err.message }));
    sock.once('close', () => done({ ok: false }));
  });
  const code = outcome.code ?? '';
  const message = outcome.message ?? '';
  const cert = s.certFile ? `TEMPORAL_TLS_CERT=${s.certFile}` : 'the client certificate';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') return undefined;
  if (!t) return handshook ? `${at} requires TLS: set TEMPORAL_TLS_CA (and TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY for mTLS), or TEMPORAL_API_KEY` : undefined;
  if (outcome.ok) return undefined;
  if (/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE)$/.test(code)) {
    return `${at}: its certificate is not signed by ${s.caFile ? `the CA in TEMPORAL_TLS_CA=${s.caFile}` : 'a CA this machine trusts; set TEMPORAL_TLS_CA'}`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `${at}: its certificate has expired`;
  if (code === 'CERT_NOT_YET_VALID') return `${at}: its certificate is not valid yet (check the clocks)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${at}: its certificate is not issued for ${t.serverNameOverride ?? host}; set TEMPORAL_TLS_SERVER_NAME to a name it is issued for`;
  if (/CERTIFICATE_EXPIRED/.test(code)) return `${at} refused ${cert}: it has expired${validTo(t.clientCertPair?.crt)}`;
  if (/CERTIFICATE_REQUIRED/.test(code) || (/HANDSHAKE_FAILURE/.test(code) && !t.clientCertPair)) {
    return `${at} requires a client certificate (mTLS): set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`;
  }
  if (/UNKNOWN_CA|BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR/.test(code)) {
    return `${at} does not trust ${cert} (not signed by a CA it accepts for clients)`;
  }
  if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(`${code} ${message}`)) return `TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY do not belong together (${s.certFile}, ${s.keyFile})`;
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|ECONNRESET|EPROTO/.test(code) || /wrong version number/.test(message)) {
    return `${at} does not speak TLS; unset TEMPORAL_TLS_* (or set TEMPORAL_TLS=false)`;
  }
  if (/PEM|NO_START_LINE|BAD_BASE64|ASN1/i.test(`${code} ${message}`)) return `a TLS file is not a PEM certificate or key (${[s.caFile, s.certFile, s.keyFile].filter(Boolean).join(', ')}): ${message.split('\n')[0]}`;
  return code ? `${at}: TLS failed (${code})` : undefined;
}

/**
 * The one-line reason for a failed connection, or undefined when it is not one the user can fix
 * from here (the caller reports the original error: a refused port, a server down).
 */
export async function explainConnectError(err: unknown, address: string, s: TemporalSecurity = {}): Promise<TemporalConnectError | undefined> {
  if (err instanceof TemporalConnectError) return err;
  const text = collectMessages(err);
  if (/Unauthenticated|UNAUTHENTICATED|PermissionDenied|PERMISSION_DENIED|Request unauthorized/.test(text)) {
    return new TemporalConnectError(`Temporal at ${address} refused the credentials: ${s.apiKey ? 'check TEMPORAL_API_KEY' : 'it needs an API key (TEMPORAL_API_KEY) or a client certificate'}`);
  }
  const options = await connectionOptions(address, s);
  const reason = await diagnoseTls(address, options, s).catch(() => undefined);
  return reason ? new TemporalConnectError(reason) : undefined;
}

function collectMessages(err: unknown, depth = 0): string {
  if (!err || depth > 5) return '';
  const e = err as { message?: unknown; details?: unknown; cause?: unknown; code?: unknown };
  return [String(e.message ?? ''), String(e.details ?? ''), String(e.code ?? ''), collectMessages(e.cause, depth + 1)].join(' ');
}

export async function connect(t: TemporalTarget): Promise<{ client: Client; close: () => Promise<void> }> {
  const options = await connectionOptions(t.address, t.security);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: 5000 });
  } catch (err) {
    throw (await explainConnectError(err, t.address, t.security)) ?? err;
  }
  return { client: new Client({ connection, namespace: t.namespace }), close: () => connection.close() };
}
