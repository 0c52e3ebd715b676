import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { drillSpecSchema, type DrillSpec } from '../../../drills/schema/index.js';

const minimal = {
  apiVersion: 'firedrill.dev/v1',
  kind: 'Drill',
  metadata: { name: 'minimal', owner: 'sre' },
  target: { type: 'zone', zone: 'zone-a' },
  fault: { mode: 'cordon' },
  timing: { hold: '1m', maxDuration: '1m' },
  probes: [{ name: 'db', type: 'tcp', host: '10.0.0.5', port: 5432 }],
};

function ok(input: unknown): DrillSpec {
  const r = drillSpecSchema.safeParse(input);
  if (!r.success) throw new Error(JSON.stringify(r.error.issues));
  return r.data;
}

describe('drillSpecSchema', () => {
  it('fills every default of a minimal drill', () => {
    expect(ok(minimal)).toEqual({
      apiVersion: 'firedrill.dev/v1',
      kind: 'Drill',
      metadata: { name: 'minimal', owner: 'sre', tags: [] },
      target: { type: 'zone', zone: 'zone-a', zoneLabel: 'topology.kubernetes.io/zone' },
      fault: { mode: 'cordon', concurrency: 20, evictionTimeout: 120_000 },
      timing: { hold: 60_000, maxDuration: 60_000 },
      probes: [{ name: 'db', type: 'tcp', host: '10.0.0.5', port: 5432, interval: 1000, timeout: 2000, tolerance: { stableFor: 5000, allowedFailures: 0 } }],
      objectives: [],
      guardrails: { abortAtMaxDuration: true },
      approval: { required: false, timeout: 1_800_000, quorum: 1 },
      safety: {
        maxFraction: 0.5,
        allowWholeCluster: false,
        protectedNamespaces: ['kube-system'],
        allowWorkerInTarget: false,
        allowTemporalInTarget: false,
        allowMonitoringInTarget: false,
        monitoring: [],
      },
      // No outDir: reports go to the report store's root.
      report: { formats: ['json', 'md', 'html'] },
    });
  });

  it('does not share default arrays between parsed drills', () => {
    const a = ok(minimal);
    a.safety.protectedNamespaces.push('mutated');
    expect(ok(minimal).safety.protectedNamespaces).toEqual(['kube-system']);
  });

  it('reads every probe type and the optional sections', () => {
    const spec = ok(
      parse(`
apiVersion: firedrill.dev/v1
kind: Drill
metadata: { name: everything, owner: sre, description: all sections, tags: [a, b] }
target: { type: nodes, selector: "pool=batch,tier!=db,zone in (a,b)", context: kind-dev }
fault: { mode: drain, concurrency: 5, evictionTimeout: 90s, gracePeriod: 30s }
timing: { hold: 5m, maxDuration: 30m }
probes:
  - { name: web, type: http, url: "https://example.com/", method: HEAD, expectStatus: [200, 204], bodyMatch: ok, timeout: 500ms, interval: 100ms, tolerance: { stableFor: 0s, allowedFailures: 2 } }
  - { name: api-ready, type: kubernetes, workload: { kind: StatefulSet, namespace: shop, name: api.v2 }, minReady: 1 }
  - { name: errors, type: prometheus, url: "http://prometheus:9090", query: "sum(rate(x[1m]))", compare: "<=", threshold: 0.05 }
  - { name: orders, type: rpo, writeUrl: "http://svc/m", readUrl: "http://svc/m" }
  - { name: db, type: tcp, host: db.example.com, port: 5432 }
objectives:
  - { type: rto, target: 2m }
  - { type: rpo, probe: orders, target: 0s }
  - { type: capacity, target: 3m }
  - { type: errorBudget, max: 0 }
guardrails: { probeFailingLongerThan: 3m, maxErrorBudget: 0.5, abortAtMaxDuration: false }
approval: { required: true, approvers: [alice] }
schedule: { cron: "0 3 1 */3 *" }
safety: { maxNodes: 10, maxFraction: 1, monitoring: [{ kind: DaemonSet, namespace: monitoring, name: node-exporter }] }
report: { formats: [pdf], outDir: out, webhook: { urlFromEnv: HOOK } }
`),
    );
    expect(spec.target).toEqual({ type: 'nodes', selector: 'pool=batch,tier!=db,zone in (a,b)', context: 'kind-dev' });
    expect(spec.fault).toEqual({ mode: 'drain', concurrency: 5, evictionTimeout: 90_000, gracePeriod: 30_000 });
    expect(spec.probes.map((p) => p.type)).toEqual(['http', 'kubernetes', 'prometheus', 'rpo', 'tcp']);
    expect(spec.probes[0]).toMatchObject({ interval: 100, timeout: 500, tolerance: { stableFor: 0, allowedFailures: 2 } });
    expect(spec.objectives[1]).toEqual({ type: 'rpo', probe: 'orders', target: 0 });
    expect(spec.guardrails).toEqual({ probeFailingLongerThan: 180_000, maxErrorBudget: 0.5, abortAtMaxDuration: false });
    expect(spec.approval).toEqual({ required: true, timeout: 1_800_000, quorum: 1, approvers: ['alice'] });
    expect(spec.schedule).toEqual({ cron: '0 3 1 */3 *', timezone: 'UTC', enabled: true, blackouts: [] });
    expect(spec.report).toEqual({ formats: ['pdf'], outDir: 'out', webhook: { urlFromEnv: 'HOOK' } });
  });

  it('allows a whole-cluster target once safety.allowWholeCluster is set', () => {
    const cluster = { ...minimal, target: { type: 'cluster' } };
    expect(drillSpecSchema.safeParse(cluster).success).toBe(false);
    expect(ok({ ...cluster, safety: { allowWholeCluster: true, maxFraction: 1 } }).target).toEqual({ type: 'cluster' });
  });
});
