import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { drillEnv } from '../../../drills/env-substitution.js';
import { loadDrillFile } from '../../../drills/load.js';
import type { DrillSpec } from '../../../drills/schema/index.js';
import { validateFiles } from '../../../cli/commands/validate.js';

const drillsDir = fileURLToPath(new URL('../../../drills/', import.meta.url));
const catalog = readdirSync(drillsDir).filter((f) => f.endsWith('.yaml')).sort();

// The default port block, whatever the environment running the tests says.
const env = drillEnv({});

async function load(name: string): Promise<DrillSpec> {
  const r = await loadDrillFile(`${drillsDir}${name}`, { env });
  if (!r.ok) throw new Error(`${name} is invalid: ${JSON.stringify(r.problems)}`);
  return r.spec;
}

describe('the drill catalog', () => {
  it('has the sample, whole-cluster and quarterly drills', () => {
    expect(catalog).toEqual(
      expect.arrayContaining([
        'pangyo-zone-loss.yaml',
        'whole-cluster-power-loss.yaml',
        'quarterly-zone-rotation-zone-b.yaml',
        'quarterly-zone-rotation-zone-c.yaml',
      ]),
    );
  });

  it.each(catalog)('%s is valid, named after its file, and plain JSON data', async (name) => {
    const r = await loadDrillFile(`${drillsDir}${name}`, { env });
    expect(r.ok ? [] : r.problems).toEqual([]);
    if (!r.ok) return;
    expect(`${r.spec.metadata.name}.yaml`).toBe(name);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The spec is a Temporal workflow argument: it must survive JSON unchanged.
    expect(JSON.parse(JSON.stringify(r.spec))).toEqual(r.spec);
  });

  it('validates as a whole with unique drill names', async () => {
    const out = await validateFiles(catalog.map((f) => `${drillsDir}${f}`), { env });
    expect(out.exitCode).toBe(0);
    // The two power-loss samples protect kube-system, which a NoExecute taint ignores: said, not refused.
    const warned = out.report.files.filter((f) => f.warnings.length).map((f) => f.file.slice(drillsDir.length));
    expect(warned.sort()).toEqual(['pangyo-site-loss.yaml', 'whole-cluster-power-loss.yaml']);
    expect(out.lines.at(-1)).toBe(`${catalog.length} file(s) valid, 2 warning(s)`);
  });
});

describe('pangyo-zone-loss (the demo drill)', () => {
  it('takes zone-a away by draining it for 45 s', async () => {
    const spec = await load('pangyo-zone-loss.yaml');
    expect(spec.target).toEqual({ type: 'zone', zone: 'zone-a', zoneLabel: 'topology.kubernetes.io/zone' });
    expect(spec.fault).toEqual({ mode: 'drain', concurrency: 20, evictionTimeout: 15_000 });
    expect(spec.timing).toEqual({ hold: 45_000, maxDuration: 600_000 });
    expect(spec.approval).toEqual({ required: false, timeout: 1_800_000, quorum: 1 });
    expect(spec.metadata.description).toMatch(/Pangyo/);
  });

  it('probes the local service simulator (${FIREDRILL_SIMULATOR_URL}), with defaults filled', async () => {
    const spec = await load('pangyo-zone-loss.yaml');
    expect(spec.probes).toEqual([
      {
        name: 'storefront',
        type: 'http',
        url: 'http://127.0.0.1:18080/svc/demo/storefront/',
        interval: 1000,
        tolerance: { stableFor: 3000, allowedFailures: 0 },
        method: 'GET',
        expectStatus: [200],
        timeout: 2000,
      },
      {
        name: 'checkout',
        type: 'http',
        url: 'http://127.0.0.1:18080/svc/demo/checkout/',
        interval: 1000,
        tolerance: { stableFor: 3000, allowedFailures: 0 },
        method: 'GET',
        expectStatus: [200],
        timeout: 2000,
      },
      {
        name: 'ops-console',
        type: 'http',
        url: 'http://127.0.0.1:18080/svc/demo/ops-console/',
        interval: 1000,
        tolerance: { stableFor: 3000, allowedFailures: 0 },
        method: 'GET',
        expectStatus: [200],
        timeout: 2000,
      },
      {
        name: 'orders-rpo',
        type: 'rpo',
        writeUrl: 'http://127.0.0.1:18080/store/demo/orders/markers',
        readUrl: 'http://127.0.0.1:18080/store/demo/orders/markers',
        interval: 1000,
        tolerance: { stableFor: 5000, allowedFailures: 0 },
        timeout: 2000,
      },
      {
        name: 'catalog-ready',
        type: 'kubernetes',
        workload: { kind: 'Deployment', namespace: 'demo', name: 'catalog' },
        minReady: 3,
        interval: 1000,
        tolerance: { stableFor: 5000, allowedFailures: 0 },
      },
    ]);
  });

  it('declares its objectives, guardrails, safety and report', async () => {
    const spec = await load('pangyo-zone-loss.yaml');
    expect(spec.objectives).toEqual([
      { type: 'rto', probe: 'storefront', target: 30_000 },
      { type: 'rto', probe: 'checkout', target: 30_000 },
      { type: 'rto', probe: 'ops-console', target: 30_000 },
      { type: 'rpo', probe: 'orders-rpo', target: 5_000 },
      { type: 'capacity', target: 60_000 },
      { type: 'errorBudget', max: 0.5 },
    ]);
    expect(spec.guardrails).toEqual({ probeFailingLongerThan: 300_000, abortAtMaxDuration: true });
    expect(spec.safety).toEqual({
      maxFraction: 0.5,
      allowWholeCluster: false,
      protectedNamespaces: ['kube-system'],
      allowWorkerInTarget: false,
      allowTemporalInTarget: false,
      allowMonitoringInTarget: false,
      monitoring: [],
    });
    expect(spec.report).toEqual({ formats: ['json', 'md', 'html', 'pdf'] });
    expect(spec.schedule).toBeUndefined();
  });
});

describe('whole-cluster-power-loss', () => {
  it('is a whole-cluster power loss that needs named approvers', async () => {
    const spec = await load('whole-cluster-power-loss.yaml');
    expect(spec.target.type).toBe('cluster');
    expect(spec.fault.mode).toBe('power-loss');
    expect(spec.safety).toMatchObject({ allowWholeCluster: true, maxFraction: 1 });
    expect(spec.approval.required).toBe(true);
    expect(spec.approval.approvers?.length).toBeGreaterThan(0);
    expect(spec.report.webhook).toEqual({ urlFromEnv: 'SLACK_WEBHOOK_URL' });
  });
});

describe.each(['b', 'c'])('quarterly-zone-rotation-zone-%s', (zone) => {
  it('drains its zone once a quarter, in Seoul time, with approval, outside the year-end freeze', async () => {
    const spec = await load(`quarterly-zone-rotation-zone-${zone}.yaml`);
    expect(spec.target).toMatchObject({ type: 'zone', zone: `zone-${zone}` });
    expect(spec.fault.mode).toBe('drain');
    expect(spec.approval.required).toBe(true);
    expect(spec.schedule).toMatchObject({ timezone: 'Asia/Seoul', enabled: true });
    expect(spec.schedule?.blackouts).toEqual([
      expect.objectContaining({ name: 'year-end-freeze' }),
    ]);
    const cron = CronExpressionParser.parse(spec.schedule?.cron ?? '', {
      tz: 'Asia/Seoul',
      currentDate: new Date('2026-02-01T00:00:00Z'),
    });
    const months = cron.take(4).map((d) => d.getMonth());
    expect(months).toEqual([3, 6, 9, 0]);
  });
});
