import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOptions, TemporalConnectError } from '../../../client/connection.js';
import { loadConfig, temporalSecurity } from '../../../worker/config.js';

// TEMPORAL_TLS_* and TEMPORAL_API_KEY: parsed once at the edge, turned into the options both the
// client's Connection and the worker's NativeConnection take, and refused in one line when
// they cannot work.

describe('Temporal connection security from the environment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-tls-unit-'));
    for (const f of ['ca.pem', 'client.pem', 'client.key']) await writeFile(path.join(dir, f), `contents of ${f}`);
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('is plain text when nothing is set, and treats empty variables as unset', async () => {
    const c = loadConfig({ TEMPORAL_TLS_CA: '', TEMPORAL_API_KEY: ' ' });
    expect(temporalSecurity(c)).toEqual({});
    expect(await connectionOptions('127.0.0.1:7233', temporalSecurity(c))).toEqual({ address: '127.0.0.1:7233' });
  });

  it('reads the CA, the client certificate and key, and the server name for mTLS', async () => {
    const c = loadConfig({
      TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'), TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const o = await connectionOptions('temporal:7233', temporalSecurity(c));
    expect(o.tls?.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(o.tls?.serverRootCACertificate ?? []).toString()).toBe('contents of ca.pem');
    expect(Buffer.from(o.tls?.clientCertPair?.crt ?? []).toString()).toBe('contents of client.pem');
    expect(Buffer.from(o.tls?.clientCertPair?.key ?? []).toString()).toBe('contents of client.key');
    expect(o.apiKey).toBeUndefined();
  });

  it('sends an API key over TLS with the system CAs unless TEMPORAL_TLS=false', async () => {
    expect(await connectionOptions('ns.tmprl.cloud:7233', temporalSecurity(loadConfig({ TEMPORAL_API_KEY: 'k' })))).toEqual({ address: 'ns.tmprl.cloud:7233', apiKey: 'k', tls: {} });
    expect(await connectionOptions('127.0.0.1:7233', temporalSecurity(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })))).toEqual({ address: '127.0.0.1:7233', apiKey: 'k' });
  });

  it('refuses a certificate without its key (and the reverse), naming the variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: 'a.pem' })).toThrow(/TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    expect(() => loadConfig({ TEMPORAL_TLS_KEY: 'a.key' })).toThrow(/TEMPORAL_TLS_CERT: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    expect(() => loadConfig({ TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS:/);
  });

  it('names the variable of a TLS file that cannot be read, in one line', async () => {
    const missing = path.join(dir, 'nope.pem');
    const err = await connectionOptions('x:7233', { caFile: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporalConnectError);
    expect((err as Error).message).toBe(`TEMPORAL_TLS_CA=${missing} cannot be read (ENOENT)`);
    await expect(connectionOptions('x:7233', { tls: false, caFile: path.join(dir, 'ca.pem') })).rejects.toThrow(/TEMPORAL_TLS=false, but TLS files are set/);
  });
});
