import { describe, expect, it } from 'vitest';
import { computeCensus, formatPlan, guardVerdict, PLAN_SCHEMA_VERSION, type Plan } from '../../../activities/census/index.js';
import { findCounterpart, standbyCensus } from '../../../activities/census/standby.js';
import { deployment, GI, snapshot, spec, workload, zones } from '../census/fixtures/cluster.js';

// Counterparts in the standby cluster: matched by kind/namespace/name, else by the
// app.kubernetes.io/name label; what has none; and room in the standby for the drilled load.

const d = (namespace: string, name: string, appName?: string) => workload('Deployment', namespace, name, 1, appName ? { appName } : {});

describe('counterpart matching', () => {
  it('prefers the same kind, namespace and name', () => {
    const standby = [d('shop', 'web', 'other'), d('shop2', 'web', 'web')];
    expect(findCounterpart(d('shop', 'web', 'web'), standby)).toEqual({ match: standby[0], by: 'name' });
  });

  it('falls back to the app.kubernetes.io/name label, same namespace first, then by namespace/name', () => {
    const standby = [d('zz', 'shop-web', 'web'), d('aa', 'web-dr', 'web'), d('shop', 'web-standby', 'web')];
    expect(findCounterpart(d('shop', 'web', 'web'), standby)).toEqual({ match: standby[2], by: 'label' });
    expect(findCounterpart(d('other', 'web', 'web'), standby)).toEqual({ match: standby[1], by: 'label' });
  });

  it('does not match across kinds, nor without a label', () => {
    const standby = [workload('StatefulSet', 'shop', 'web', 1, { appName: 'web' }), d('shop', 'api', 'web')];
    expect(findCounterpart(workload('Deployment', 'shop', 'web', 1), standby)).toBeUndefined();
    expect(findCounterpart(d('shop', 'web', 'web'), standby)).toEqual({ match: standby[1], by: 'label' });
  });
});

function sites(standbyNodes = zones(2, ['zone-d', 'zone-e'])) {
  const target = { type: 'cluster' as const, standby: { context: 'site-b' } };
  const s = spec(target, { allowWholeCluster: true, maxFraction: 1 });
  const drilled = snapshot({
    nodes: zones(2),
    extra: [
      deployment('shop', 'web', ['zone-a-0', 'zone-b-0', 'zone-c-0'], { requests: { cpuMilli: 1000, memoryBytes: GI } }),
      deployment('shop', 'console', ['zone-a-1'], { requests: { cpuMilli: 500, memoryBytes: GI } }),
      deployment('monitoring', 'prometheus', ['zone-b-1'], { requests: { cpuMilli: 500, memoryBytes: 2 * GI } }),
      deployment('kube-system', 'dns', ['zone-c-1']),
    ],
  });
  const standby = snapshot({
    nodes: standbyNodes,
    extra: [deployment('shop', 'web', ['zone-d-0', 'zone-e-0'], { requests: { cpuMilli: 1000, memoryBytes: GI } }), deployment('kube-system', 'dns', ['zone-d-1'])],
  });
  const census = computeCensus(s, drilled);
  return { s, drilled, census, standby };
}

describe('the standby census', () => {
  it('lists each workload with its counterpart and names what exists in the drilled cluster only', () => {
    const { s, drilled, census, standby } = sites();
    const sb = standbyCensus({ spec: s, context: 'site-b', drilled: { snapshot: drilled, census }, standby });
    expect(sb.workloads.map((w) => [w.namespace, w.name, w.counterpart?.name ?? null, w.counterpart?.ready ?? null])).toEqual([
      ['monitoring', 'prometheus', null, null],
      ['shop', 'console', null, null],
      ['shop', 'web', 'web', 2],
    ]);
    // Protected namespaces are each cluster's own: not matched, not listed as missing.
    expect(sb.noCounterpart).toEqual([
      { kind: 'Deployment', namespace: 'monitoring', name: 'prometheus' },
      { kind: 'Deployment', namespace: 'shop', name: 'console' },
    ]);
    expect(sb.zones).toEqual(['zone-d', 'zone-e']);
    expect(sb.warnings[0]).toMatch(/2 workload\(s\) exist in the drilled cluster only/);
  });

  it('counts the drilled load that has a counterpart against the standby\'s free room', () => {
    const { s, drilled, census, standby } = sites();
    const sb = standbyCensus({ spec: s, context: 'site-b', drilled: { snapshot: drilled, census }, standby });
    expect(sb.capacity.mustAbsorb).toEqual({ cpuMilli: 3000, memoryBytes: 3 * GI, pods: 3 });
    expect(sb.capacity.withoutCounterpart).toEqual({ cpuMilli: 1000, memoryBytes: 3 * GI, pods: 2 });
    // Four 4-CPU nodes, 2.1 CPU requested.
    expect(sb.capacity.free.cpuMilli).toBe(16_000 - 2100);
    expect(sb.capacity.fits).toBe(true);
    expect(sb.capacity.shortfall).toEqual({ cpuMilli: 0, memoryBytes: 0, pods: 0 });
  });

  it('predicts a shortfall when the standby is too small', () => {
    const small = zones(1, ['zone-d']).map((n) => ({ ...n, allocatable: { cpuMilli: 2000, memoryBytes: 4 * GI, pods: 110 } }));
    const { s, drilled, census } = sites();
    const standby = snapshot({ nodes: small, extra: [deployment('shop', 'web', ['zone-d-0'], { requests: { cpuMilli: 1000, memoryBytes: GI } })] });
    const sb = standbyCensus({ spec: s, context: 'site-b', drilled: { snapshot: drilled, census }, standby });
    expect(sb.capacity.fits).toBe(false);
    expect(sb.capacity.shortfall.cpuMilli).toBe(2000);
    expect(sb.capacity.pending).toHaveLength(2);
    expect(sb.warnings.at(-1)).toMatch(/site-b lacks room for the drilled site's load/);
  });

  it('prints the counterparts, what has none and the standby capacity in the plan', () => {
    const { s, drilled, census, standby } = sites();
    const plan: Plan = {
      schemaVersion: PLAN_SCHEMA_VERSION, takenAt: drilled.takenAt, cluster: { server: drilled.server }, ...census,
      standby: standbyCensus({ spec: s, context: 'site-b', drilled: { snapshot: drilled, census }, standby }), verdict: guardVerdict(s, census),
    };
    const text = formatPlan(plan).join('\n');
    expect(text).toContain('NO COUNTERPART IN SITE-B (2)');
    expect(text).toMatch(/Deployment\s+shop\s+web\s+3\/3\s+shop\/web\s+2\/2\s+by name/);
    expect(text).toContain('standby capacity (site-b)');
    expect(text).toContain('fits: yes');
  });
});
