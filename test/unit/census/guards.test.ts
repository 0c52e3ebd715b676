import { describe, expect, it } from 'vitest';
import { computeCensus, guardVerdict, type CensusSpec, type Where } from '../../../activities/census/index.js';
import type { ClusterSnapshot } from '../../../activities/census/model.js';
import { deployment, node, snapshot, spec, ZONE, zones } from './fixtures/cluster.js';

const verdict = (s: CensusSpec, snap: ClusterSnapshot = snapshot(), where: Where = {}) => guardVerdict(s, computeCensus(s, snap, where));

describe('blast-radius guards', () => {
  it('allows one zone of three with the defaults', () => {
    expect(verdict(spec())).toEqual({ allowed: true, reasons: [] });
  });

  it('refuses an empty zone and lists the zones that have nodes', () => {
    const v = verdict(spec({ type: 'zone', zone: 'zone-x', zoneLabel: ZONE }));
    expect(v).toEqual({ allowed: false, reasons: ['zone "zone-x" has no nodes; zones with nodes: zone-a (4), zone-b (4), zone-c (4)'] });
  });

  it('refuses an empty zone when no node carries the zone label at all', () => {
    const v = verdict(spec(), snapshot({ nodes: [node('n1', undefined)] }));
    expect(v.reasons).toEqual([`zone "zone-a" has no nodes; no node carries the label ${ZONE}`]);
  });

  it('refuses a selector that matches no node', () => {
    expect(verdict(spec({ type: 'nodes', selector: 'pool=gpu' })).reasons).toEqual(['selector "pool=gpu" matches no node (12 nodes in the cluster)']);
  });

  it('refuses more nodes than maxNodes', () => {
    expect(verdict(spec(undefined, { maxNodes: 3 })).reasons).toEqual(['the target has 4 nodes, more than safety.maxNodes 3']);
    expect(verdict(spec(undefined, { maxNodes: 4 })).allowed).toBe(true);
  });

  it('refuses a larger share of the cluster than maxFraction', () => {
    expect(verdict(spec(undefined, { maxFraction: 0.25 })).reasons).toEqual([
      'the target is 4 of 12 nodes (33%), more than safety.maxFraction 0.25 (25%)',
    ]);
  });

  it('refuses the whole cluster without allowWholeCluster, however it is selected', () => {
    const bySelector = verdict(spec({ type: 'nodes', selector: ZONE }));
    expect(bySelector.allowed).toBe(false);
    expect(bySelector.reasons[0]).toBe('the target is the whole cluster (12 of 12 nodes) and safety.allowWholeCluster is not set');
    const oneZoneCluster = verdict(spec(), snapshot({ nodes: zones(2, ['zone-a']) }), {});
    expect(oneZoneCluster.reasons[0]).toMatch(/whole cluster \(2 of 2 nodes\)/);
    expect(verdict(spec({ type: 'cluster' })).allowed).toBe(false);
  });

  it('allows the whole cluster with explicit permission, without a fraction cap getting in the way', () => {
    expect(verdict(spec({ type: 'cluster' }, { allowWholeCluster: true }))).toEqual({ allowed: true, reasons: [] });
    expect(verdict(spec({ type: 'cluster' }, { allowWholeCluster: true, maxNodes: 10 })).reasons).toEqual([
      'the target has 12 nodes, more than safety.maxNodes 10',
    ]);
  });

  it('refuses when the firedrill worker runs inside the target, unless allowed', () => {
    expect(verdict(spec(), snapshot(), { workerNode: 'zone-a-2' }).reasons).toEqual([
      'the firedrill worker runs on node zone-a-2, inside the target (safety.allowWorkerInTarget is not set)',
    ]);
    expect(verdict(spec(undefined, { allowWorkerInTarget: true }), snapshot(), { workerNode: 'zone-a-2' }).allowed).toBe(true);
    expect(verdict(spec(), snapshot(), { workerNode: 'zone-b-2' }).allowed).toBe(true);
  });

  it('refuses when Temporal runs inside the target, unless allowed', () => {
    const where = { temporalNodes: ['zone-b-0', 'zone-a-1'] };
    expect(verdict(spec(), snapshot(), where).reasons).toEqual([
      'Temporal runs on zone-a-1, inside the target (safety.allowTemporalInTarget is not set)',
    ]);
    expect(verdict(spec(undefined, { allowTemporalInTarget: true }), snapshot(), where).allowed).toBe(true);
  });

  it('refuses when the drill would blind its monitoring, and only warns when some of it survives', () => {
    const prom = deployment('monitoring', 'prometheus', ['zone-a-0']);
    const graf = deployment('monitoring', 'grafana', ['zone-a-0', 'zone-b-0']);
    const monitoring = [
      { kind: 'Deployment' as const, namespace: 'monitoring', name: 'prometheus' },
      { kind: 'Deployment' as const, namespace: 'monitoring', name: 'grafana' },
    ];
    const s = spec(undefined, { monitoring });
    const snap = snapshot({ extra: [prom, graf] });
    expect(verdict(s, snap).reasons).toEqual([
      'monitoring Deployment monitoring/prometheus runs only inside the target (1 of 1 ready replicas): the drill would blind it (safety.allowMonitoringInTarget is not set)',
    ]);
    expect(computeCensus(s, snap).warnings).toContain('monitoring Deployment monitoring/grafana has 1 of 2 ready replicas in the target');
    expect(verdict(spec(undefined, { monitoring, allowMonitoringInTarget: true }), snap).allowed).toBe(true);
  });

  it('gives every reason at once', () => {
    const v = verdict(spec({ type: 'nodes', selector: ZONE }, { maxNodes: 2 }), snapshot(), { workerNode: 'zone-c-0' });
    expect(v.reasons).toHaveLength(4);
  });
});
