import { describe, expect, it } from 'vitest';
import { computeCensus } from '../../../activities/census/index.js';
import { node, snapshot, spec, ZONE, zones } from './fixtures/cluster.js';

describe('target selection', () => {
  it('takes the nodes of one zone and counts every zone', () => {
    const c = computeCensus(spec(), snapshot());
    expect(c.target.nodes.map((n) => n.name)).toEqual(['zone-a-0', 'zone-a-1', 'zone-a-2', 'zone-a-3']);
    expect(c.target.nodes.every((n) => n.zone === 'zone-a')).toBe(true);
    expect(c.target.zones).toEqual([
      { zone: 'zone-a', nodes: 4, targetNodes: 4 },
      { zone: 'zone-b', nodes: 4, targetNodes: 0 },
      { zone: 'zone-c', nodes: 4, targetNodes: 0 },
    ]);
    expect(c.target.clusterNodes).toBe(12);
    expect(c.target.fraction).toBeCloseTo(1 / 3);
    expect(c.target.wholeCluster).toBe(false);
    expect(c.target.description).toBe(`zone zone-a (${ZONE})`);
  });

  it('honours a custom zone label', () => {
    const nodes = [node('x', undefined, { labels: { 'example.com/site': 'pangyo' } }), node('y', undefined, { labels: { 'example.com/site': 'gasan' } })];
    const c = computeCensus(spec({ type: 'zone', zone: 'pangyo', zoneLabel: 'example.com/site' }), snapshot({ nodes }));
    expect(c.target.nodes.map((n) => n.name)).toEqual(['x']);
    expect(c.target.nodes[0]?.zone).toBe('pangyo');
  });

  it('takes the nodes a label selector matches', () => {
    const nodes = zones(2);
    nodes[0]!.labels.pool = 'batch';
    nodes[3]!.labels.pool = 'batch';
    nodes[5]!.labels.pool = 'db';
    const c = computeCensus(spec({ type: 'nodes', selector: 'pool in (batch),pool!=db' }), snapshot({ nodes }));
    expect(c.target.nodes.map((n) => n.name)).toEqual(['zone-a-0', 'zone-b-1']);
    expect(c.target.zones.map((z) => [z.zone, z.targetNodes])).toEqual([['zone-a', 1], ['zone-b', 1], ['zone-c', 0]]);
  });

  it('marks cordoned target nodes and counts nodes without a zone label', () => {
    const nodes = [...zones(1), node('edge-0', undefined)];
    nodes[0]!.unschedulable = true;
    const c = computeCensus(spec(), snapshot({ nodes }));
    expect(c.target.nodes).toEqual([{ name: 'zone-a-0', zone: 'zone-a', unschedulable: true }]);
    expect(c.target.zones[0]).toEqual({ zone: '', nodes: 1, targetNodes: 0 });
    expect(c.warnings.join('\n')).toMatch(/already cordoned.*zone-a-0/);
  });

  it('calls the cluster target and a selector that takes every node the whole cluster', () => {
    expect(computeCensus(spec({ type: 'cluster' }), snapshot()).target.wholeCluster).toBe(true);
    const all = computeCensus(spec({ type: 'nodes', selector: ZONE }), snapshot());
    expect(all.target.nodes).toHaveLength(12);
    expect(all.target.wholeCluster).toBe(true);
  });
});
