import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPlan, planDrill, type Plan } from '../../../activities/census/index.js';
import { SITE_DRILL } from '../../../devstack/site-demo.js';
import { loadDrillFile } from '../../../drills/load.js';
import { formatProblem } from '../../../drills/positions.js';
import type { DrillSpec } from '../../../drills/schema/index.js';
import { startTwoSites, type TwoSites } from './two-sites.js';

// The cross-site plan on two real clusters: counterparts in site-b, what exists in site-a only,
// and whether site-b has room for site-a's load. Read-only, but for the cordons that make site-b
// too small, which the test takes back.

let env: TwoSites;
let spec: DrillSpec;

beforeAll(async () => {
  env = await startTwoSites();
  const loaded = await loadDrillFile(SITE_DRILL, { env: { ...process.env, FIREDRILL_SIMULATOR_URL: env.sim.url } });
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  spec = loaded.spec;
}, 900_000);

afterAll(async () => {
  await env?.close();
});

describe('the plan of a whole-site drill with a standby', () => {
  let plan: Plan;

  beforeAll(async () => {
    plan = await planDrill(spec, env.sites.a);
  }, 120_000);

  it('matches every workload of site-a with its counterpart in site-b', () => {
    expect(plan.target.wholeCluster).toBe(true);
    expect(plan.standby?.context).toBe('site-b');
    expect(plan.standby?.zones).toEqual(['zone-d', 'zone-e']);
    const matched = plan.standby!.workloads.filter((w) => w.counterpart).map((w) => `${w.kind} ${w.namespace}/${w.name}`);
    expect(matched).toEqual(['Deployment demo/catalog', 'Deployment demo/checkout', 'Deployment demo/payments', 'Deployment demo/storefront', 'StatefulSet demo/orders']);
    expect(plan.standby!.workloads.find((w) => w.name === 'storefront')?.counterpart).toMatchObject({ matchedBy: 'name', desired: 6, ready: 6 });
  });

  it('names the ops console and the monitoring as having no counterpart', () => {
    expect(plan.standby?.noCounterpart).toEqual([
      { kind: 'Deployment', namespace: 'demo', name: 'ops-console' },
      { kind: 'Deployment', namespace: 'monitoring', name: 'prometheus' },
    ]);
    const text = formatPlan(plan).join('\n');
    expect(text).toContain('NO COUNTERPART IN SITE-B (2)');
    expect(text).toMatch(/Deployment demo\/ops-console\n\s+Deployment monitoring\/prometheus/);
  });

  it('finds room in site-b for site-a\'s load', () => {
    expect(plan.standby?.capacity.fits).toBe(true);
    expect(plan.standby?.capacity.mustAbsorb.pods).toBeGreaterThan(0);
  });

  it('refuses the drill when the worker runs on a node of site-a, and allows one on a node of site-b', async () => {
    const inside = await planDrill(spec, env.sites.a, { workerNode: 'kwok-zone-a-001' });
    expect(inside.verdict.allowed).toBe(false);
    expect(inside.verdict.reasons.join('\n')).toMatch(/worker runs on node kwok-zone-a-001, inside the target/);
    const standby = await planDrill(spec, env.sites.a, { workerNode: 'kwok-zone-d-000' });
    expect(standby.verdict).toEqual({ allowed: true, reasons: [] });
  }, 120_000);

  it('predicts a capacity shortfall in site-b when site-b is made too small', async () => {
    const core = env.sites.b.makeApiClient(k8s.CoreV1Api);
    const nodes = (await core.listNode()).items.map((n) => n.metadata?.name ?? '').sort();
    // One node of four stays schedulable.
    const cordon = nodes.slice(1);
    const patch = (name: string, unschedulable: boolean) => core.patchNode({ name, body: { spec: { unschedulable } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    try {
      for (const n of cordon) await patch(n, true);
      const small = await planDrill(spec, env.sites.a);
      const c = small.standby!.capacity;
      expect(c.nodes).toBe(1);
      expect(c.fits).toBe(false);
      expect(c.shortfall.cpuMilli + c.shortfall.memoryBytes).toBeGreaterThan(0);
      expect(c.pending.length).toBeGreaterThan(0);
      expect(small.standby!.warnings.join('\n')).toMatch(/site-b lacks room for the drilled site's load/);
      expect(formatPlan(small).join('\n')).toMatch(/fits: NO, short by/);
    } finally {
      for (const n of cordon) await patch(n, false);
    }
  }, 120_000);
});
