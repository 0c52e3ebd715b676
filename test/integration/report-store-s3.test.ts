import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { stateRoot } from '../../devstack/paths.js';
import { startS3Server, type S3Server } from '../../devstack/s3-server.js';
import { parseDrillSource } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import { verifyChain } from '../../report/evidence.js';
import type { DrillResult } from '../../report/result.js';
import { storeFromLocation } from '../../report/store-config.js';
import { readStoredResult, scanResults } from '../../report/store.js';
import { writeHistoryIndex } from '../../report/write.js';
import { readHistory, readReport } from '../../tower/reports.js';
import { failResult, passResult } from '../unit/report/fixtures/results.js';

// The bucket report store against a real S3-compatible server (SeaweedFS, built into the cache
// like the stack's tools): results written through the worker's report activity, the history
// index rebuilt from the bucket's objects alone, the evidence chain checked by the CLI, and
// outDir keys that would escape the store refused.

const BUCKET = 'firedrill-reports';
/** Ten ports from here (21050..21059 by default): outside the dev stack's block and Linux's ephemeral range. */
const BASE = Number(process.env.FIREDRILL_S3_TEST_PORT_BASE ?? 21050);
const bin = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));
const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'FIREDRILL_S3_ENDPOINT'] as const;

let server: S3Server | undefined;
const saved: Partial<Record<(typeof CREDENTIAL_ENV)[number], string | undefined>> = {};
const prefix = `it-${Date.now()}`;
const location = `s3://${BUCKET}/${prefix}`;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const runs = (): DrillResult[] => [
  passResult({ startedAt: '2026-02-10T09:00:00Z', workflowId: 'run-q1' }),
  failResult({ startedAt: '2026-05-12T09:00:00Z', workflowId: 'run-q2' }),
  passResult({ startedAt: '2026-08-11T09:00:00Z', workflowId: 'run-q3' }),
];

describe('report store in an S3-compatible bucket (SeaweedFS)', () => {
  beforeAll(async () => {
    server = await startS3Server({
      stateDir: path.join(stateRoot(), `s3-report-store-${BASE}`), base: BASE, buckets: [BUCKET],
      progress: (m) => process.stderr.write(`${m}\n`),
    });
    for (const k of CREDENTIAL_ENV) saved[k] = process.env[k];
    // The store takes credentials from the AWS SDK's chain, as a deployment does.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: 'us-east-1', FIREDRILL_S3_ENDPOINT: server.endpoint });
  }, 900_000);

  afterAll(async () => {
    for (const k of CREDENTIAL_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await server?.stop();
  });

  it('writes results through the report activity, rebuilds the history from the bucket, and the CLI verifies the chain', async () => {
    const store = storeFromLocation(location);
    const activities = createActivities({ kubeFor: () => { throw new Error('no cluster in this test'); }, log: pino({ level: 'silent' }), reportStore: store, env: {} });
    for (const r of runs()) {
      const out = await activities.writeReport({ result: r, formats: ['json', 'md', 'html'], outDir: 'quarterly' });
      expect(out.dir).toBe(`${location}/quarterly/zone-a-loss/${r.run.workflowId}`);
      expect(out.warnings).toEqual([]);
    }
    const keys = await store.list();
    expect(keys).toEqual(expect.arrayContaining(['index.html', 'index.json', 'quarterly/zone-a-loss/run-q2/result.json', 'quarterly/zone-a-loss/run-q2/report.html']));

    // Each result carries the hash of the run stored before it, read back from the bucket.
    const q1 = await readStoredResult(store, 'run-q1');
    const q2 = await readStoredResult(store, 'run-q2');
    expect(q2?.result.evidence?.previousResultSha256).toBe(q1?.result.evidence?.resultSha256);
    expect(q1?.result.evidence?.previousResultSha256).toBeNull();

    // The index is rebuilt from the stored result.json objects alone, by a fresh store object.
    await store.write('index.json', '{}', 'application/json');
    const rebuilt = await writeHistoryIndex(storeFromLocation(location));
    expect(rebuilt.warnings).toEqual([]);
    expect(rebuilt.files).toEqual([`${location}/index.html`, `${location}/index.json`]);
    const index = JSON.parse((await store.read('index.json'))!) as { drills: Array<{ drill: string; runs: Array<{ workflowId: string; dir: string }> }> };
    expect(index.drills.map((d) => d.drill)).toEqual(['zone-a-loss']);
    expect(index.drills[0]!.runs.map((r) => [r.workflowId, r.dir])).toEqual([
      ['run-q1', 'quarterly/zone-a-loss/run-q1'], ['run-q2', 'quarterly/zone-a-loss/run-q2'], ['run-q3', 'quarterly/zone-a-loss/run-q3'],
    ]);
    expect(await store.read('index.html')).toContain('run-q3');

    // The tower reads the same bucket.
    expect((await readHistory(store, {})).total).toBe(3);
    expect((await readReport(store, 'run-q2'))?.kind).toBe('html');

    const ok = await cli(['report', 'verify', '--chain', location]);
    expect(ok.stdout).toContain(`ok: 3 result(s) under ${location}`);
    expect(ok.code).toBe(0);

    // Removing the middle run breaks the link of the one after it.
    const { results } = await scanResults(store);
    expect(verifyChain(results).problems).toEqual([]);
    const edited = JSON.parse((await store.read('quarterly/zone-a-loss/run-q2/result.json'))!) as DrillResult;
    await store.write('quarterly/zone-a-loss/run-q2/result.json', JSON.stringify({ ...edited, outcomeReason: 'all objectives met' }), 'application/json');
    const broken = await cli(['report', 'verify', '--chain', location]);
    expect(broken.stdout).toMatch(/BROKEN: s3:\/\/firedrill-reports\/.*run-q2\/result\.json: edited after it was sealed/);
    expect(broken.code).toBe(1);
  });

  it('an outDir of ../x or /etc is refused by validate and never leaves the store', async () => {
    const drill = (outDir: string) => Buffer.from(`apiVersion: firedrill.dev/v1
kind: Drill
metadata: { name: keyed, owner: sre }
target: { type: zone, zone: zone-a }
fault: { mode: cordon }
timing: { hold: 1m, maxDuration: 10m }
probes:
  - { name: web, type: http, url: "http://127.0.0.1:1/" }
objectives:
  - { type: rto, target: 2m }
report: { formats: [json], outDir: ${JSON.stringify(outDir)} }
`);
    for (const outDir of ['../x', '/etc']) {
      const r = parseDrillSource(drill(outDir), 'keyed.yaml');
      expect(r.ok, outDir).toBe(false);
      if (!r.ok) expect(r.problems.map(formatProblem)).toEqual([expect.stringMatching(/^keyed\.yaml:11:\d+ report\.outDir: outDir is a key under the report store/)]);
    }
    const store = storeFromLocation(location);
    await expect(store.write('../x/result.json', '{}', 'application/json')).rejects.toThrow(/"\.\."/);
    await expect(store.write('/etc/result.json', '{}', 'application/json')).rejects.toThrow(/absolute/);
    // A hand-made workflow start that sends one anyway: the report is kept at the store's root.
    const activities = createActivities({ kubeFor: () => { throw new Error('no cluster in this test'); }, log: pino({ level: 'silent' }), reportStore: store, env: {} });
    const r = passResult({ startedAt: '2026-11-03T09:00:00Z', workflowId: 'run-escape' });
    const out = await activities.writeReport({ result: r, formats: ['json'], outDir: '../x' });
    expect(out.dir).toBe(`${location}/zone-a-loss/run-escape`);
    expect((await store.list()).filter((k) => k.includes('..'))).toEqual([]);
  });
});
