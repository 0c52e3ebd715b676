import fs from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { TEMPORAL_SERVER_VERSION } from '../../../devstack/versions.js';

// docker-compose.yml runs the release the embedded stack builds and its tests use, migrates the
// schema with the same temporal-sql-tool steps, and passes credentials as Docker secrets only.

interface Service { image?: string; command?: string[] | string; environment?: Record<string, string>; secrets?: string[] }
const compose = YAML.parse(fs.readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const serverConfig = fs.readFileSync(new URL('../../../deploy/compose/temporal-server.yaml', import.meta.url), 'utf8');

describe('docker-compose.yml and the real Temporal server', () => {
  const version = TEMPORAL_SERVER_VERSION.replace(/^v/, '');

  it('runs the pinned server release and its admin tools', () => {
    expect(compose.services.temporal?.image).toBe(`temporalio/server:${version}`);
    for (const name of ['temporal-schema', 'temporal-namespace']) expect(compose.services[name]?.image).toBe(`temporalio/admin-tools:${version}`);
  });

  it('migrates both databases with the steps of devstack/temporal-server.ts', () => {
    const script = [compose.services['temporal-schema']?.command ?? []].flat().join('\n');
    expect(script).toMatch(/--plugin postgres12/);
    expect(script).toMatch(/create-database/);
    expect(script).toMatch(/setup-schema -v 0\.0/);
    expect(script).toMatch(/update-schema -d "\/etc\/temporal\/schema\/postgresql\/v12\/\$\$dir\/versioned"/);
    expect(script).toMatch(/temporal:temporal temporal_visibility:visibility/);
  });

  it('keeps passwords and keys in secrets, and gives every client the mTLS files', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (/PASSWORD|PWD|KEY|TOKEN/.test(key)) expect(`${name}.${key}=${value}`).toMatch(/=\/run\/secrets\//);
      }
      for (const s of svc.secrets ?? []) expect(Object.keys(compose.secrets), `${name} uses secret ${s}`).toContain(s);
    }
    for (const name of ['firedrill-worker', 'temporal-ui', 'temporal-namespace']) {
      expect(compose.services[name]?.environment).toMatchObject({
        TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: '/run/secrets/temporal-ca',
        TEMPORAL_TLS_CERT: '/run/secrets/temporal-client-cert', TEMPORAL_TLS_KEY: '/run/secrets/temporal-client-key', TEMPORAL_TLS_SERVER_NAME: 'temporal',
      });
    }
    expect(serverConfig).toMatch(/requireClientAuth: true/);
    expect(serverConfig).not.toMatch(/password: (?!\{\{ env)/);
  });
});
