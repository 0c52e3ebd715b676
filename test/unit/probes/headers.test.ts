import { describe, expect, it } from 'vitest';
import { checkHttp, checkPrometheus } from '../../../activities/probes/checks.js';
import { substitute } from '../../../drills/env-substitution.js';
import { drillSpecSchema, type HttpProbeSpec, type PrometheusProbeSpec } from '../../../drills/schema/index.js';

// Probe credentials come from the worker's environment, named in the drill, never written in it.

const base = (probe: Record<string, unknown>) => ({
  apiVersion: 'firedrill.dev/v1', kind: 'Drill', metadata: { name: 'd', owner: 'o' },
  target: { type: 'zone', zone: 'zone-a' }, fault: { mode: 'cordon' }, timing: { hold: '1m', maxDuration: '10m' },
  probes: [{ name: 'p', type: 'http', url: 'http://x.invalid/', interval: '1s', tolerance: { stableFor: '5s' }, ...probe }],
  objectives: [{ type: 'rto', target: '5m' }],
});
const issues = (probe: Record<string, unknown>) => {
  const r = drillSpecSchema.safeParse(base(probe));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('probe headers from the environment', () => {
  it('accepts FIREDRILL_PROBE_* variables and refuses any other, and the Host header', () => {
    expect(issues({ headersFromEnv: { Authorization: 'FIREDRILL_PROBE_TOKEN' } })).toEqual([]);
    expect(issues({ type: 'prometheus', query: 'up', compare: '>', threshold: 0, headersFromEnv: { 'X-Scope-OrgID': 'FIREDRILL_PROBE_TENANT' } })).toEqual([]);
    expect(issues({ headersFromEnv: { Authorization: 'AWS_SECRET_ACCESS_KEY' } })).toEqual([expect.stringMatching(/headersFromEnv\.Authorization: .*FIREDRILL_PROBE_<NAME>/)]);
    expect(issues({ headersFromEnv: { Host: 'FIREDRILL_PROBE_HOST' } })[0]).toMatch(/headersFromEnv\.Host/);
  });

  it('refuses a URL with user:password, with the hint to use headersFromEnv', () => {
    expect(issues({ url: 'https://user:secret@x.example/' })).toEqual([expect.stringMatching(/must not carry credentials.*headersFromEnv: \{ Authorization: FIREDRILL_PROBE_TOKEN \}/)]);
  });

  it('sends the header read from the environment, and names a missing variable without any value', async () => {
    const seen: Array<Record<string, string>> = [];
    const fakeFetch = (async (_url: unknown, init?: RequestInit) => {
      seen.push(init?.headers as Record<string, string>);
      return new Response('{"data":{"result":[{"value":[0,"1"]}]}}', { status: 200 });
    }) as typeof fetch;
    const http = { type: 'http', name: 'p', url: 'http://x.invalid/', method: 'GET', expectStatus: [200], timeout: 1000, interval: 1000, tolerance: { stableFor: 0, allowedFailures: 0 }, headersFromEnv: { Authorization: 'FIREDRILL_PROBE_TOKEN' } } as HttpProbeSpec;
    expect(await checkHttp(http, fakeFetch, { FIREDRILL_PROBE_TOKEN: 'Bearer s3cr3t' })).toEqual({ ok: true });
    const prom = { type: 'prometheus', name: 'q', url: 'http://x.invalid/', query: 'up', compare: '>', threshold: 0, timeout: 1000, interval: 1000, tolerance: { stableFor: 0, allowedFailures: 0 }, headersFromEnv: { Authorization: 'FIREDRILL_PROBE_TOKEN' } } as PrometheusProbeSpec;
    expect(await checkPrometheus(prom, fakeFetch, { FIREDRILL_PROBE_TOKEN: 'Bearer s3cr3t' })).toEqual({ ok: true });
    expect(seen).toEqual([{ Authorization: 'Bearer s3cr3t' }, { Authorization: 'Bearer s3cr3t' }]);
    expect(await checkHttp(http, fakeFetch, {})).toEqual({ ok: false, error: 'header Authorization: FIREDRILL_PROBE_TOKEN is not set on the worker' });
    expect(seen).toHaveLength(2);
  });
});

describe('probe credentials in ${...} substitution', () => {
  it('are refused: the value would be copied into the spec', () => {
    const r = substitute('http://x.invalid/${FIREDRILL_PROBE_TOKEN}', { FIREDRILL_PROBE_TOKEN: 'v' });
    expect(r).toEqual({ ok: false, faults: [expect.objectContaining({ message: expect.stringContaining('name it in headersFromEnv') })] });
  });
});
