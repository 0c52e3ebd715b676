import type { NodeInfo } from './model.js';
import { compileSelector } from './selectors.js';
import type { CensusSpec, TargetCensus, ZoneCount } from './types.js';

/** Nodes of other target types are still counted per zone under the usual label. */
export const DEFAULT_ZONE_LABEL = 'topology.kubernetes.io/zone';

export function zoneLabelOf(target: CensusSpec['target']): string {
  return target.type === 'zone' ? target.zoneLabel : DEFAULT_ZONE_LABEL;
}

export function describeTarget(target: CensusSpec['target']): string {
  switch (target.type) {
    case 'zone':
      return `zone ${target.zone} (${target.zoneLabel})`;
    case 'nodes':
      return `nodes matching ${target.selector}`;
    case 'cluster':
      return 'the whole cluster';
  }
}

function isTarget(target: CensusSpec['target']): (n: NodeInfo) => boolean {
  switch (target.type) {
    case 'zone':
      return (n) => n.labels[target.zoneLabel] === target.zone;
    case 'nodes': {
      const match = compileSelector(target.selector);
      return (n) => match(n.labels);
    }
    case 'cluster':
      return () => true;
  }
}

/** The target nodes (by name) and their description: per-zone counts, share of the cluster. */
export function selectTarget(target: CensusSpec['target'], nodes: NodeInfo[]): { names: Set<string>; census: TargetCensus } {
  const zoneLabel = zoneLabelOf(target);
  const pick = isTarget(target);
  const chosen = nodes.filter(pick).sort((a, b) => a.name.localeCompare(b.name));
  const names = new Set(chosen.map((n) => n.name));

  const zones = new Map<string, ZoneCount>();
  for (const n of nodes) {
    const zone = n.labels[zoneLabel] ?? '';
    const z = zones.get(zone) ?? { zone, nodes: 0, targetNodes: 0 };
    z.nodes++;
    if (names.has(n.name)) z.targetNodes++;
    zones.set(zone, z);
  }

  return {
    names,
    census: {
      description: describeTarget(target),
      zoneLabel,
      nodes: chosen.map((n) => ({ name: n.name, zone: n.labels[zoneLabel], unschedulable: n.unschedulable })),
      clusterNodes: nodes.length,
      fraction: nodes.length === 0 ? 0 : chosen.length / nodes.length,
      wholeCluster: target.type === 'cluster' || (nodes.length > 0 && chosen.length === nodes.length),
      zones: [...zones.values()].sort((a, b) => a.zone.localeCompare(b.zone)),
    },
  };
}
