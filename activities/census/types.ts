import type { DrillSpec } from '../../drills/schema/index.js';
import type { Resources, WorkloadKind } from './model.js';

// What the census produces. Plain JSON data: it is printed by `firedrill plan --json`, returned by
// the preflight activity and summarised into the drill result.

/** The part of a drill the census reads; probes only mark which workloads the drill watches. */
export type CensusSpec = Pick<DrillSpec, 'metadata' | 'target' | 'fault' | 'safety'> & Partial<Pick<DrillSpec, 'probes'>>;

/** Where the drill's own machinery runs; unknown (e.g. outside the cluster) when absent. */
export interface Where {
  workerNode?: string;
  temporalNodes?: string[];
}

export interface WorkloadKey {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface TargetNode {
  name: string;
  zone?: string;
  unschedulable: boolean;
}

export interface ZoneCount {
  /** Value of the zone label; '' for nodes without it. */
  zone: string;
  nodes: number;
  targetNodes: number;
}

export interface TargetCensus {
  /** Human summary, e.g. `zone zone-a (topology.kubernetes.io/zone)`. */
  description: string;
  zoneLabel: string;
  nodes: TargetNode[];
  clusterNodes: number;
  /** targetNodes / clusterNodes (0 for an empty cluster). */
  fraction: number;
  wholeCluster: boolean;
  zones: ZoneCount[];
}

export interface WorkloadCensus extends WorkloadKey {
  desired: number;
  ready: number;
  readyInTarget: number;
  readyOutside: number;
  /** Pods (ready or not) scheduled on target nodes. */
  podsInTarget: number;
  losesAll: boolean;
  /** Named by a kubernetes probe of the drill. */
  watched: boolean;
}

export interface DaemonSetCensus {
  namespace: string;
  name: string;
  desired: number;
  podsInTarget: number;
}

export interface PdbCensus {
  namespace: string;
  name: string;
  podsInTarget: number;
  disruptionsAllowed: number;
  blocking: boolean;
  reason: string;
}

export interface ZoneBoundVolume {
  name: string;
  /** Zone(s) of the nodes the volume can attach to, comma-separated. */
  zone: string;
  /** `namespace/name` of the bound claim. */
  claim?: string;
  /** `namespace/name` of the pods mounting the claim. */
  pods: string[];
}

export interface PodRef {
  namespace: string;
  pod: string;
  node: string;
  reason: string;
}

export interface PendingPod {
  namespace: string;
  pod: string;
  /** `Kind/name` of the workload that recreates it. */
  owner: string;
  /** `pinned`: no node outside the target may ever take it; `capacity`: none has room left. */
  cause: 'pinned' | 'capacity';
  reason: string;
}

export interface CapacityCensus {
  /** Requests of the pods that must move (pods = how many). */
  mustMove: Resources;
  outside: {
    /** Schedulable nodes outside the target. */
    nodes: number;
    allocatable: Resources;
    requested: Resources;
    free: Resources;
  };
  pending: PendingPod[];
  pinned: number;
  fits: boolean;
  method: string;
}

export interface MonitoringPlacement extends WorkloadKey {
  found: boolean;
  readyInTarget: number;
  readyOutside: number;
  /** all: every ready replica is in the target (monitoring goes blind); some: part of it. */
  inside: 'all' | 'some' | 'none';
}

export interface Placement {
  worker: { node?: string; inside: boolean | null };
  temporal: { nodes: string[]; inside: string[]; known: boolean };
  monitoring: MonitoringPlacement[];
}

export interface Census {
  drill: string;
  fault: DrillSpec['fault']['mode'];
  target: TargetCensus;
  workloads: WorkloadCensus[];
  losesAll: WorkloadKey[];
  daemonSets: DaemonSetCensus[];
  pdbs: PdbCensus[];
  zoneBoundVolumes: ZoneBoundVolume[];
  /** Pods on target nodes a drain leaves in place: protected namespaces, mirror pods. */
  notEvicted: PodRef[];
  /** Pods on target nodes no controller recreates: a drain deletes them for good. */
  unmanagedPods: PodRef[];
  /**
   * power-loss only: pods in protected namespaces that the NoExecute taint kills anyway, because
   * they do not tolerate it (a protected namespace keeps a pod from eviction, not from a taint).
   */
  powerLossKills?: PodRef[];
  placement: Placement;
  capacity: CapacityCensus;
  /** Things worth a look that do not refuse the drill. */
  warnings: string[];
}

/** The blast-radius guards' answer. */
export interface Verdict {
  allowed: boolean;
  reasons: string[];
}

/** A drilled workload and what stands in for it in the standby cluster (see standby.ts for the rule). */
export interface CounterpartCensus extends WorkloadKey {
  desired: number;
  ready: number;
  counterpart: (WorkloadKey & { desired: number; ready: number; matchedBy: 'name' | 'label' }) | null;
}

export interface StandbyCapacity {
  /** Requests of the drilled cluster's pods whose workloads have a counterpart: the load the standby must take on. */
  mustAbsorb: Resources;
  /** Requests of the pods whose workloads have no counterpart: nowhere to go. */
  withoutCounterpart: Resources;
  /** Schedulable ready nodes of the standby. */
  nodes: number;
  allocatable: Resources;
  requested: Resources;
  free: Resources;
  /** mustAbsorb beyond free, per resource (zero when it fits). */
  shortfall: Resources;
  /** Pods first-fit could not place on the standby's free room. */
  pending: PendingPod[];
  fits: boolean;
  method: string;
}

/** The standby cluster of a cluster drill: counterparts, what has none, and room for the lost site's load. */
export interface StandbyCensus {
  context: string;
  server: string;
  zones: string[];
  rule: string;
  workloads: CounterpartCensus[];
  noCounterpart: WorkloadKey[];
  capacity: StandbyCapacity;
  warnings: string[];
}

/** The census with its verdict: the versioned document `firedrill plan --json` prints (see index.ts). */
export interface Plan extends Census {
  schemaVersion: 'firedrill.dev/plan/v1';
  takenAt: string;
  cluster: { server: string; context?: string };
  /** Only for a cluster target that names `standby`. */
  standby?: StandbyCensus;
  verdict: Verdict;
}
