import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import {
  claimNodes, connectClient, drillSpec, httpProbe, killProcess, spawnWorkerProcess, temporalTargetFor, workerLog, type ClaimedNodes,
} from '../../support/drill.js';
import { kubeFor, uniqueName } from '../../support/kube.js';
import { readPdf } from '../../unit/report/fixtures/pdf-text.js';
import { startOkServer } from '../schedule/support.js';

// Secrets a drill uses must not leave the worker's environment: a webhook URL carrying tokens
// in its path and query, and a token-like value in the variable another drill names as its
// webhook. Two drills run end to end on the real stack (the webhook first answers 500, then
// 200, so both the failure and the success path log), and every output is searched: the
// worker's whole log at debug level, the results, every report file, and both workflow
// histories with their payloads decoded.

const stack = inject('stack');
const hex = (n: number) => randomBytes(n).toString('hex');

/** Every string in a value, byte arrays (Temporal payloads) decoded as UTF-8. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

describe('secrets of a drill', () => {
  const kc = kubeFor(stack);
  const id = hex(4).toUpperCase();
  const HOOK_ENV = `FD_IT_WEBHOOK_${id}`;
  const TOKEN_ENV = `FD_IT_TOKEN_${id}`;
  const pathSecret = `hookpath${hex(12)}`;
  const querySecret = `hookquery${hex(12)}`;
  const tokenSecret = `xoxb-${hex(6)}-${hex(12)}`;
  // A probe's bearer token, sent as a header from FIREDRILL_PROBE_*: the probe target checks it.
  const PROBE_ENV = `FIREDRILL_PROBE_IT_${id}`;
  const probeSecret = `probetoken${hex(12)}`;
  const authorized: boolean[] = [];
  let guarded: http.Server;
  let guardedUrl = '';
  const requests: Array<{ url: string; body: string }> = [];
  let hookUrl = '';
  let hook: http.Server;
  const claims: ClaimedNodes[] = [];
  let ok: Awaited<ReturnType<typeof startOkServer>>;
  let client: Client;
  let closeClient: () => Promise<void>;
  let worker: ChildProcess | undefined;
  let reportDir: string;

  beforeAll(async () => {
    // The first notification is refused with 500, the rest accepted.
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        requests.push({ url: req.url ?? '', body });
        res.writeHead(requests.length === 1 ? 500 : 200, { 'content-type': 'text/plain' }).end(`echo ${req.url}\n`);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    guarded = http.createServer((req, res) => {
      const ok = req.headers.authorization === `Bearer ${probeSecret}`;
      authorized.push(ok);
      res.writeHead(ok ? 200 : 401).end();
    });
    await new Promise<void>((r) => guarded.listen(0, '127.0.0.1', () => r()));
    guardedUrl = `http://127.0.0.1:${(guarded.address() as AddressInfo).port}/healthz`;
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/${pathSecret}?token=${querySecret}`;
    for (let i = 0; i < 2; i++) claims.push(await claimNodes(kc, { id: uniqueName('drill-secret'), count: 1, zones: ['zone-c', 'zone-b'] }));
    ok = await startOkServer();
    reportDir = await mkdtemp(path.join(tmpdir(), 'firedrill-secrets-'));
    ({ client, close: closeClient } = await connectClient(stack));
  });

  afterAll(async () => {
    if (worker) await killProcess(worker, 'SIGKILL');
    await closeClient?.();
    await ok?.close();
    await new Promise((r) => { hook?.closeAllConnections(); hook?.close(r); });
    await new Promise((r) => { guarded?.closeAllConnections(); guarded?.close(r); });
    for (const c of claims) await c.release();
    if (reportDir) await rm(reportDir, { recursive: true, force: true });
  });

  it('appear in no log line, result, report file or workflow history', async () => {
    const taskQueue = uniqueName('drill-secret');
    worker = await spawnWorkerProcess(stack, taskQueue, {
      reportDir,
      env: { [HOOK_ENV]: hookUrl, [TOKEN_ENV]: tokenSecret, [PROBE_ENV]: `Bearer ${probeSecret}`, FIREDRILL_LOG_LEVEL: 'debug' },
      logLimit: 50_000_000,
    });
    const drill = (claim: ClaimedNodes, env: string, formats: string[]) => drillSpec({
      metadata: { name: uniqueName('secret'), description: 'plants secrets in the worker environment' },
      target: { type: 'nodes', selector: claim.selector },
      fault: { mode: 'cordon' },
      timing: { hold: '5s', maxDuration: '5m' },
      probes: [httpProbe('ok', ok.url), httpProbe('guarded', guardedUrl, { headersFromEnv: { Authorization: PROBE_ENV } })],
      report: { formats, webhook: { urlFromEnv: env } },
    });
    const specs = await Promise.all([drill(claims[0]!, HOOK_ENV, ['json', 'md', 'html', 'pdf']), drill(claims[1]!, TOKEN_ENV, ['json', 'md', 'html'])]);
    const handles = await Promise.all(specs.map((s) => startDrill(client, temporalTargetFor(stack, taskQueue), s.spec, s.sha256, { approvedBy: 'integration-test' })));
    const results = await Promise.all(handles.map((h) => h.result() as Promise<DrillResult>));
    for (const r of results) expect(r.outcome, `${r.outcomeReason}\n${workerLog(worker)}`).toBe('passed');

    // The secrets were really in use: the webhook got both notifications at its secret URL.
    expect(requests.map((r) => r.url)).toEqual([`/services/${pathSecret}?token=${querySecret}`, `/services/${pathSecret}?token=${querySecret}`]);
    // And the probe's header reached its target on every check.
    expect(authorized.length).toBeGreaterThan(5);
    expect(authorized.every(Boolean)).toBe(true);
    await killProcess(worker, 'SIGTERM');
    const log = workerLog(worker);
    expect(log).toContain('"msg":"notification not delivered: webhook answered HTTP 500"');
    expect(log).toContain('"msg":"notification sent"');
    expect(log).toContain(`webhook in ${TOKEN_ENV} is not an http(s) URL`);

    const outputs: Array<{ where: string; text: string }> = [{ where: 'worker log (debug)', text: log }];
    for (const [i, r] of results.entries()) outputs.push({ where: `result ${i}`, text: JSON.stringify(r) });
    const files = await filesUnder(reportDir);
    for (const f of files) {
      const buf = await readFile(f);
      const where = path.relative(reportDir, f);
      outputs.push({ where, text: buf.toString(f.endsWith('.pdf') ? 'latin1' : 'utf8') });
      if (f.endsWith('.pdf')) {
        const doc = readPdf(buf);
        const text = Array.from({ length: doc.pageCount }, (_, p) => doc.pageText(p)).join(' ');
        outputs.push({ where: `${where} (text)`, text: `${text}\n${text.replace(/\s+/g, '')}` });
      }
    }
    for (const kind of ['result.json', 'report.md', 'report.html', 'index.html', 'index.json']) {
      expect(files.filter((f) => f.endsWith(kind)).length, kind).toBeGreaterThanOrEqual(kind.startsWith('index') ? 1 : 2);
    }
    for (const h of handles) {
      const history = await client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).fetchHistory();
      expect(history.events?.length).toBeGreaterThan(10);
      outputs.push({ where: `history ${h.workflowId}`, text: strings(history).join('\n') });
    }

    const forms = [hookUrl, encodeURIComponent(hookUrl), pathSecret, querySecret, tokenSecret, encodeURIComponent(tokenSecret), probeSecret];
    const leaks = outputs.flatMap((o) => forms.filter((f) => o.text.includes(f)).map((f) => `${o.where}: ${f}`));
    expect(leaks).toEqual([]);
    // The search is not vacuous: the drills' names are in every output (the PDF through its
    // extracted text), and the variables' names in the log and the decoded histories.
    for (const o of outputs.filter((x) => !x.where.endsWith('.pdf'))) {
      expect(specs.some((s) => o.text.includes(s.spec.metadata.name)), o.where).toBe(true);
    }
    for (const o of outputs.filter((x) => x.where.startsWith('history') || x.where.startsWith('worker log'))) {
      expect(o.text, o.where).toContain(o.where.startsWith('history') ? 'urlFromEnv' : HOOK_ENV);
    }
    expect(log).toContain(TOKEN_ENV);
    console.log(`searched for the secrets: ${outputs.map((o) => `${o.where} (${o.text.length} chars)`).join(', ')}`);
  }, 240_000);
});
