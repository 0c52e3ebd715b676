import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDrillSource } from '../../../drills/load.js';
import { formatProblem } from '../../../drills/positions.js';
import { verifyChain } from '../../../report/evidence.js';
import { createDirStore } from '../../../report/dir-store.js';
import { reportStoreFromEnv, storeFromLocation } from '../../../report/store-config.js';
import { joinKey, storeKeyProblem } from '../../../report/store-key.js';
import { findRunKey, readStoredResult, scanResults } from '../../../report/store.js';
import { writeReports } from '../../../report/write.js';
import { failResult, passResult } from './fixtures/results.js';

describe('store keys', () => {
  it('accepts relative keys of safe segments', () => {
    for (const key of ['reports', 'team-a/quarterly', 'a.b_c-1/', 'x/y/z']) expect(storeKeyProblem(key), key).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['../x', /"\.\."/],
    ['a/../../etc', /"\.\."/],
    ['..', /"\.\."/],
    ['/etc', /absolute/],
    ['\\\\server\\share', /absolute/],
    ['C:/reports', /absolute/],
    ['a//b', /empty or "\."/],
    ['./a', /empty or "\."/],
    ['a b', /letters, digits/],
    ['a\\..\\b', /letters, digits/],
    ['x'.repeat(513), /at most 512/],
  ])('refuses %j', (key, why) => {
    expect(storeKeyProblem(key)).toMatch(why);
  });

  it('joins keys without empty parts or trailing slashes', () => {
    expect(joinKey(undefined, 'a/', '', 'b')).toBe('a/b');
    expect(joinKey()).toBe('');
  });
});

describe('directory store', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'firedrill-store-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes, reads back and lists objects at any depth, sorted, without half-written files', async () => {
    const store = createDirStore(dir);
    await store.write('b/run-1/result.json', '{"x":1}', 'application/json');
    await store.write('a/report.pdf', new Uint8Array([37, 80, 68, 70]), 'application/pdf');
    await writeFile(join(dir, 'b', 'run-1', 'result.json.123.abcd.tmp'), 'half');
    expect(await store.read('b/run-1/result.json')).toBe('{"x":1}');
    expect(await readFile(join(dir, 'a', 'report.pdf'), 'latin1')).toBe('%PDF');
    expect(await store.list()).toEqual(['a/report.pdf', 'b/run-1/result.json']);
    expect(await store.list('b')).toEqual(['b/run-1/result.json']);
    expect(await store.read('missing/result.json')).toBeUndefined();
    expect(store.where('b/run-1')).toBe(join(dir, 'b', 'run-1'));
  });

  it('never turns a bad key into a path outside its directory', async () => {
    const store = createDirStore(join(dir, 'inner'));
    await expect(store.write('../escaped.txt', 'x', 'text/plain')).rejects.toThrow(/"\.\."/);
    await expect(store.read('/etc/passwd')).rejects.toThrow(/absolute/);
    expect(() => store.where('a/../../b')).toThrow(/"\.\."/);
  });

  it('writes a run under the drill\'s outDir key, finds it by run id, and indexes it from the root', async () => {
    const store = createDirStore(dir);
    const first = passResult({ startedAt: '2026-02-10T09:00:00Z', workflowId: 'run-1' });
    const second = failResult({ startedAt: '2026-05-12T09:00:00Z', workflowId: 'run-2' });
    await writeReports(first, { outDir: store, formats: ['json'], previous: null });
    const out = await writeReports(second, { outDir: store, prefix: 'team-a/quarterly', formats: ['json', 'md'] });
    expect(out.dir).toBe(join(dir, 'team-a', 'quarterly', 'zone-a-loss', 'run-2'));
    expect(await findRunKey(store, 'run-2')).toBe('team-a/quarterly/zone-a-loss/run-2');
    expect((await readStoredResult(store, 'run-1'))?.result.run.workflowId).toBe('run-1');
    // The chain links runs of one drill wherever in the store they are.
    const stored = await readStoredResult(store, 'run-2');
    const firstStored = await readStoredResult(store, 'run-1');
    expect(stored?.result.evidence?.previousResultSha256).toBe(firstStored?.result.evidence?.resultSha256);
    const index = JSON.parse((await store.read('index.json'))!) as { drills: Array<{ runs: Array<{ dir: string }> }> };
    expect(index.drills[0]!.runs.map((r) => r.dir)).toEqual(['zone-a-loss/run-1', 'team-a/quarterly/zone-a-loss/run-2']);
    const { results, warnings } = await scanResults(store);
    expect(warnings).toEqual([]);
    expect(verifyChain(results).problems).toEqual([]);
  });

  it('a removed run breaks the chain read back from the store', async () => {
    const store = createDirStore(dir);
    for (const [i, when] of ['2026-02-10', '2026-05-12', '2026-08-11'].entries()) {
      await writeReports(passResult({ startedAt: `${when}T09:00:00Z`, workflowId: `run-${i}` }), { outDir: store, formats: ['json'], previous: null });
    }
    await rm(join(dir, 'zone-a-loss', 'run-1'), { recursive: true });
    const { results } = await scanResults(store);
    expect(verifyChain(results).problems.map((p) => p.file)).toEqual([join(dir, 'zone-a-loss', 'run-2', 'result.json')]);
  });

  it('an unreadable result is a warning, not a failure', async () => {
    await mkdir(join(dir, 'zone-a-loss', 'broken'), { recursive: true });
    await writeFile(join(dir, 'zone-a-loss', 'broken', 'result.json'), '{ not json');
    const { results, warnings } = await scanResults(createDirStore(dir));
    expect(results).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});

describe('store configuration', () => {
  it('defaults to ./reports, takes FIREDRILL_REPORT_DIR, dir: and plain paths', () => {
    expect(reportStoreFromEnv({}).where('')).toBe('reports');
    expect(reportStoreFromEnv({ FIREDRILL_REPORT_DIR: '/srv/reports' }).where('')).toBe('/srv/reports');
    expect(reportStoreFromEnv({ FIREDRILL_REPORT_STORE: 'dir:/srv/r' }).where('x')).toBe('/srv/r/x');
  });

  it('names buckets and prefixes as s3:// URLs', () => {
    const store = storeFromLocation('s3://drill-reports/prod/eu', { FIREDRILL_S3_ENDPOINT: 'http://127.0.0.1:8333' });
    expect(store.where('zone-a-loss/run-1/result.json')).toBe('s3://drill-reports/prod/eu/zone-a-loss/run-1/result.json');
    expect(store.where('')).toBe('s3://drill-reports/prod/eu/');
    expect(() => store.where('../x')).toThrow(/"\.\."/);
  });

  it.each([
    [{ FIREDRILL_REPORT_STORE: 's3://drill-reports', FIREDRILL_REPORT_DIR: '/r' }, /not both/],
    [{ FIREDRILL_REPORT_STORE: 's3://Bad_Bucket' }, /not an S3 bucket name/],
    [{ FIREDRILL_REPORT_STORE: 's3://drill-reports/../x' }, /prefix must not contain/],
    [{ FIREDRILL_REPORT_STORE: 'gs://drill-reports' }, /only s3:\/\//],
    [{ FIREDRILL_REPORT_STORE: 's3://drill-reports', FIREDRILL_S3_ENDPOINT: 'seaweedfs:8333' }, /http\(s\) URL/],
  ])('refuses %j', (env, why) => {
    expect(() => reportStoreFromEnv(env)).toThrow(why);
  });
});

describe('report.outDir in a drill file', () => {
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
report:
  formats: [json]
  outDir: ${JSON.stringify(outDir)}
`);

  it('is a key under the store', () => {
    const r = parseDrillSource(drill('team-a/quarterly'), 'keyed.yaml');
    expect(r.ok && r.spec.report.outDir).toBe('team-a/quarterly');
  });

  it.each([['../x', /"\.\."/], ['/etc', /absolute/], ['reports/../../etc', /"\.\."/]])('refuses %j with file, line and field', (outDir, why) => {
    const r = parseDrillSource(drill(outDir), 'keyed.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.problems.map(formatProblem);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^keyed\.yaml:13:\d+ report\.outDir: outDir is a key under the report store: it /);
    expect(lines[0]).toMatch(why);
  });
});
