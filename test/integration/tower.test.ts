import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { abortRun, startDrill } from '../../client/drills.js';
import { findChromium } from '../../report/pdf.js';
import type { DrillResult } from '../../report/result.js';
import { startTower, TowerConfigError, type RunningTower } from '../../tower/server.js';
import { createLogger } from '../../worker/logger.js';
import { statusQuery } from '../../workflows/contract.js';
import {
  claimNodes, drillSpec, httpProbe, nodeChanges, snapshotNodes, startWorker, waitForPhase,
  type ClaimedNodes, type TestWorker,
} from '../support/drill.js';
import { eventually, kubeFor, uniqueName } from '../support/kube.js';
import { startOkServer } from './schedule/support.js';

// The control tower in a real Chromium against the real stack and a real worker: a drill that
// waits for approval shows up on Now within 2 s, is approved and aborted from its page (and
// restores every node), links to its report when done; hostile drill text stays text; off
// loopback nothing works without the token. Screenshots of every page go to a temp folder
// whose path the test prints.

const stack = inject('stack');
const found = await findChromium();
const reason = `Chromium not found at ${found.path} (install it or set FIREDRILL_CHROMIUM)`;
if (!found.ok) console.warn(`tower tests skipped: ${reason}`);

// The network is closed: nothing in the browser may try to reach out.
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const APPROVER = 'ops-lead@example.com';
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>" onmouseover="window.__pwned=3';
const TOKEN = `tower-test-token-${uniqueName('t')}-0123456789`;

/** An address of this machine that is not loopback, if it has one. */
function machineAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** A plain HTTP request sent from `from` (so the tower sees that address as the peer). */
function requestFrom(from: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: init.method ?? 'GET', headers: init.headers ?? {}, localAddress: from }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe.skipIf(!found.ok)(`the control tower in Chromium${found.ok ? '' : ` (skipped: ${reason})`}`, () => {
  const kc = kubeFor(stack);
  const log = createLogger({ level: 'warn', name: 'tower-test' });
  const runs = new Set<string>();
  const problems: string[] = [];
  let nodes: ClaimedNodes;
  let ok: Awaited<ReturnType<typeof startOkServer>>;
  let w: TestWorker;
  let tower: RunningTower;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let reportDir: string;

  const shoot = async (name: string, p: Page = page) => {
    const file = path.join(shots, `${name}.png`);
    await p.screenshot({ path: file, fullPage: true });
    return file;
  };

  beforeAll(async () => {
    shots = await mkdtemp(path.join(tmpdir(), 'firedrill-tower-shots-'));
    console.log(`tower screenshots: ${shots}`);
    reportDir = await mkdtemp(path.join(tmpdir(), 'firedrill-tower-reports-'));
    nodes = await claimNodes(kc, { id: uniqueName('tower'), count: 2, zones: ['zone-b', 'zone-c'] });
    ok = await startOkServer();
    w = await startWorker(stack, { reportDir });
    tower = await startTower({
      temporal: w.target, listen: { host: '127.0.0.1', port: 0 }, reportDir, log, liveIntervalMs: 500,
      access: { defaultIdentity: 'someone@example.com' },
    });
    browser = await chromium.launch({ executablePath: found.path, args: LAUNCH_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith(tower.url) && !r.url().startsWith('data:')) problems.push(`request off the tower: ${r.url()}`); });
  }, 300_000);

  afterAll(async () => {
    for (const id of runs) await abortRun(w.client, id, 'tower-test', 'test cleanup').catch(() => undefined);
    await browser?.close();
    await tower?.close();
    await w?.stop();
    await ok?.close();
    await nodes?.release();
    await rm(reportDir, { recursive: true, force: true });
    console.log(`tower screenshots: ${shots}`);
  }, 180_000);

  const spec = (extra: Record<string, unknown> = {}) => drillSpec({
    target: { type: 'nodes', selector: nodes.selector },
    fault: { mode: 'cordon' },
    timing: { hold: '90s', maxDuration: '5m' },
    approval: { required: true, approvers: [APPROVER], timeout: '5m' },
    probes: [httpProbe('storefront', ok.url)],
    objectives: [{ type: 'rto', target: '30s' }],
    report: { formats: ['json', 'html'] },
    ...extra,
  });

  let workflowId = '';
  let before: Awaited<ReturnType<typeof snapshotNodes>>;

  it('shows a drill that waits for approval on Now within 2 s', async () => {
    await page.goto(`${tower.url}/`);
    await eventually('the live connection', async () => (await page.locator('#live-status').innerText()) === 'Live updates: on', 10_000, 100);
    before = await snapshotNodes(kc);
    const s = await spec();
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256);
    workflowId = handle.workflowId;
    runs.add(workflowId);
    await waitForPhase(handle, 'approval', 60_000);
    const at = Date.now();
    const card = page.locator(`article.run:has-text("${workflowId}")`);
    await card.locator('text=waiting for approval').first().waitFor({ timeout: 2000 });
    const tookMs = Date.now() - at;
    expect(tookMs).toBeLessThan(2000);
    expect(await card.innerText()).toMatch(/Census\s+✓ allowed: 2 target node\(s\)/);
    expect(await card.innerText()).toContain(s.spec.metadata.name);
    await shoot('now-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot('now-390');
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 120_000);

  it('approves from the drill page, reached by keyboard, and the baseline starts', async () => {
    await page.locator(`article.run:has-text("${workflowId}") h3 a`).click();
    await page.waitForURL(/\/runs\//);
    expect(await page.locator('#run-approval').innerText()).toContain(APPROVER);
    await shoot('drill-approval');
    // Keyboard only: Tab to the identity field, type, Tab to the button, Enter.
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'approve-identity'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? '');
    }
    expect(focused).toBe('approve-identity');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(APPROVER);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe('Approve this run');
    await Promise.all([page.waitForURL(/sent=approve/), page.keyboard.press('Enter')]);
    const handle = w.client.workflow.getHandle(workflowId);
    const status = await eventually('the baseline', async () => {
      const st = await handle.query(statusQuery);
      return st.phase !== 'approval' && st.phase !== 'preflight' ? st : undefined;
    }, 30_000, 200);
    expect(['baseline', 'inject', 'hold']).toContain(status.phase);
    expect(status.approvedBy).toBe(APPROVER);
    expect(status.journal).toContainEqual(expect.objectContaining({ kind: 'operator', message: 'approved', identity: APPROVER }));
    await page.locator('#run-head').locator('text=/baseline|injecting|holding/').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('#run-journal').innerText()).toContain(APPROVER);
  }, 120_000);

  it('aborts from the page, confirmed, with a reason, and every node is restored', async () => {
    const handle = w.client.workflow.getHandle(workflowId);
    await waitForPhase(handle, 'hold', 90_000);
    await page.locator('#run-head').locator('text=holding the fault').waitFor({ timeout: 10_000 });
    // The live chart and the RTO clock are on the page while the fault holds.
    await page.locator('#run-timeline svg').waitFor();
    await shoot('drill-hold');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot('drill-hold-390');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.fill('#abort-identity', 'incident-commander@example.com');
    await page.fill('#abort-reason', 'payments team asked to stop');
    await Promise.all([page.waitForURL(/\/abort$/), page.click('button.abort')]);
    expect(await page.locator('h1').innerText()).toMatch(/^Abort /);
    await shoot('abort-confirm');
    // Nothing is sent before the confirmation.
    expect((await handle.query(statusQuery)).aborted).toBeUndefined();
    await Promise.all([page.waitForURL(/sent=abort/), page.click('text=Yes, abort the drill')]);
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('aborted');
    expect(r.outcomeReason).toBe('aborted by incident-commander@example.com: payments team asked to stop (from the tower)');
    expect(r.journal).toContainEqual(expect.objectContaining({ kind: 'operator', identity: 'incident-commander@example.com', message: 'abort requested: payments team asked to stop (from the tower)' }));
    expect(r.restore?.nodes.map((n) => n.name).sort()).toEqual([...nodes.names].sort());
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    const changed = (await nodeChanges(kc, before, { mine: [r.run.runId], strict: nodes.names })).filter((x) => nodes.names.some((n) => x.startsWith(`${n}:`)) || x.includes(r.run.runId));
    expect(changed).toEqual([]);
  }, 180_000);

  it('links a finished drill\'s row to its report', async () => {
    await page.goto(`${tower.url}/`);
    const row = page.locator('table.recent tr').filter({ has: page.locator(`a[href="/runs/${encodeURIComponent(workflowId)}"]`) });
    await row.locator('a', { hasText: 'report' }).waitFor({ timeout: 15_000 });
    expect(await row.innerText()).toMatch(/aborted/);
    await shoot('now-finished');
    await Promise.all([page.waitForURL(/\/report\//), row.locator('a', { hasText: 'report' }).click()]);
    expect(await page.locator('#verdict').innerText()).toContain('ABORTED');
    await shoot('report');
    // The run's own page links to the same report, and History lists the run.
    await page.goto(`${tower.url}/runs/${encodeURIComponent(workflowId)}`);
    expect(await page.locator('#report-link').getAttribute('href')).toBe(`/report/${encodeURIComponent(workflowId)}`);
    await shoot('drill-done');
    await page.goto(`${tower.url}/history`);
    expect(await page.locator(`a[href="/report/${encodeURIComponent(workflowId)}"]`).count()).toBeGreaterThan(0);
    await shoot('history');
    await page.goto(`${tower.url}/schedules`);
    expect(await page.locator('h1').innerText()).toBe('Schedules');
    await shoot('schedules');
  }, 120_000);

  let hostileId = '';

  it('renders a hostile drill description inert', async () => {
    const s = await spec({ metadata: { name: uniqueName('it-hostile'), owner: HOSTILE, description: HOSTILE } });
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256);
    hostileId = handle.workflowId;
    runs.add(hostileId);
    await waitForPhase(handle, 'approval', 60_000);
    await page.goto(`${tower.url}/runs/${encodeURIComponent(hostileId)}`);
    const description = page.locator('p.description');
    expect(await description.innerText()).toBe(HOSTILE);
    expect(await description.locator('img, script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    await page.mouse.move(10, 10);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await shoot('drill-hostile');
    await page.goto(`${tower.url}/`);
    await page.locator(`article.run:has-text("${hostileId}")`).waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  }, 120_000);

  it('off loopback: refuses every request without the token and takes no action', async () => {
    await expect(startTower({ temporal: w.target, listen: { host: '0.0.0.0', port: 0 }, reportDir, log, access: { defaultIdentity: 'x' } })).rejects.toThrow(TowerConfigError);
    const addr = machineAddress();
    if (!addr) {
      console.warn('no non-loopback address on this machine: the off-loopback request is not tested');
      return;
    }
    const open = await startTower({ temporal: w.target, listen: { host: addr, port: 0 }, reportDir, log, access: { token: TOKEN, defaultIdentity: 'x' } });
    try {
      const origin = open.url;
      const handle = w.client.workflow.getHandle(hostileId);
      const journalBefore = (await handle.query(statusQuery)).journal.length;
      const refusedPage = await requestFrom(addr, `${open.url}/`);
      expect(refusedPage.status).toBe(401);
      expect(refusedPage.body).not.toContain(hostileId);
      for (const [p, body] of [[`/runs/${encodeURIComponent(hostileId)}/approve`, `identity=${encodeURIComponent(APPROVER)}&csrf=x`], [`/runs/${encodeURIComponent(hostileId)}/abort`, 'identity=x&reason=y&confirm=yes&csrf=x']] as const) {
        const res = await requestFrom(addr, `${open.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' }, body });
        expect(res.status, p).toBe(401);
      }
      const sse = await requestFrom(addr, `${open.url}/live/runs/${encodeURIComponent(hostileId)}`);
      expect(sse.status).toBe(401);
      // With the token the same address is served: the refusals were for want of it.
      const allowed = await requestFrom(addr, `${open.url}/runs/${encodeURIComponent(hostileId)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(allowed.status).toBe(200);
      const st = await handle.query(statusQuery);
      expect(st.phase).toBe('approval');
      expect(st.approvedBy).toBeUndefined();
      expect(st.aborted).toBeUndefined();
      expect(st.journal).toHaveLength(journalBefore);
      // In a browser, the sign-in page takes the token and the pages follow.
      const p2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await p2.goto(`${open.url}/login`);
      await shoot('login', p2);
      await p2.fill('#token', TOKEN);
      await Promise.all([p2.waitForURL(`${open.url}/`), p2.click('button[type=submit]')]);
      expect(await p2.locator('h1').innerText()).toBe('Now');
      await p2.close();
    } finally {
      await open.close();
    }
    await abortRun(w.client, hostileId, 'tower-test', 'done');
    await w.client.workflow.getHandle(hostileId).result();
  }, 120_000);

  it('loaded every page without a console error, a policy violation or a request off the tower', () => {
    expect(problems).toEqual([]);
  });
});
