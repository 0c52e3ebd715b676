import type { PreflightResult } from '../activities/index.js';
import type { DrillSpec } from '../drills/schema/index.js';

// Where a drill's capacity must come back. A zone or node drill: ready again outside the target
// during the hold. A whole-cluster drill with a standby: ready in the standby (its counterparts
// are watched there). A whole-cluster drill without one has nowhere outside the target: its
// capacity is "ready again in the cluster after restore", watched during failback and counted
// from the end of restore, never a wall of "not failed over" during the hold.

export type CapacityBasis = 'outside-target' | 'after-restore';

export function capacityBasis(spec: Pick<DrillSpec, 'target'>, plan: Pick<PreflightResult, 'cluster'> | undefined): CapacityBasis {
  return spec.target.type === 'cluster' && !plan?.cluster.standby ? 'after-restore' : 'outside-target';
}

/** The capacity the failback observation watches: only for a cluster drill without a standby. */
export function failbackCapacity(spec: Pick<DrillSpec, 'target'>, plan: Pick<PreflightResult, 'cluster' | 'watched'> | undefined) {
  if (!plan || capacityBasis(spec, plan) !== 'after-restore' || !plan.watched.length) return {};
  // No target nodes: a replica ready anywhere in the cluster counts.
  return { capacity: { workloads: plan.watched, targetNodes: [] as string[], intervalMs: 1000 } };
}
