import type { PodInfo, WorkloadInfo } from './model.js';
import type { CensusSpec, MonitoringPlacement, Placement, Where } from './types.js';
import { countPods, emptyCounts, keyOf, type Ownership } from './workloads.js';

// Does the drill take away the machinery that runs it (the firedrill worker, Temporal) or watches
// it (the monitoring the drill names)? Kakao lost its ops tools and monitoring with the building.

export function placementCensus(
  spec: CensusSpec,
  where: Where,
  workloads: WorkloadInfo[],
  pods: PodInfo[],
  inTarget: Set<string>,
  own: Ownership,
): Placement {
  const worker = where.workerNode === undefined
    ? { inside: null }
    : { node: where.workerNode, inside: inTarget.has(where.workerNode) };

  const temporalNodes = where.temporalNodes ?? [];
  const temporal = {
    nodes: temporalNodes,
    inside: temporalNodes.filter((n) => inTarget.has(n)),
    known: where.temporalNodes !== undefined,
  };

  // A monitoring ref may name a Deployment or, directly, one of its ReplicaSets: count both ways.
  const rolledUp = countPods(pods, inTarget, (p) => own.workloadOf(p));
  const direct = countPods(pods, inTarget, (p) => own.directOf(p));
  const exists = new Set(workloads.map((w) => keyOf(w)));
  const monitoring: MonitoringPlacement[] = (spec.safety.monitoring ?? []).map((ref) => {
    const k = keyOf(ref);
    const c = rolledUp.get(k) ?? direct.get(k) ?? emptyCounts();
    const inside = c.readyInTarget === 0 ? 'none' : c.readyOutside === 0 ? 'all' : 'some';
    return {
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      found: exists.has(k),
      readyInTarget: c.readyInTarget,
      readyOutside: c.readyOutside,
      inside,
    };
  });

  return { worker, temporal, monitoring };
}
