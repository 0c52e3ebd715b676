// The cluster as the census sees it: plain data cut down from the API objects to the fields the
// census reads. Plain data keeps the census pure (fixtures are written by hand in tests), keeps
// 10,000 pods small in memory, and lets a snapshot cross an activity boundary as JSON.

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet';

/** CPU in millicores, memory in bytes, pods as a count. */
export interface Resources {
  cpuMilli: number;
  memoryBytes: number;
  pods: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  unschedulable: boolean;
  taints: Taint[];
  ready: boolean;
  allocatable: Resources;
}

export interface OwnerRef {
  kind: string;
  name: string;
}

/** Kubernetes NodeSelectorRequirement: In, NotIn, Exists, DoesNotExist, Gt, Lt. */
export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** Terms are ORed; the requirements inside one term are ANDed. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface PodInfo {
  namespace: string;
  name: string;
  /** Unset while the pod is not scheduled. */
  nodeName?: string;
  phase: string;
  ready: boolean;
  /** Has a deletionTimestamp: already going away. */
  terminating: boolean;
  labels: Record<string, string>;
  /** The controlling owner (ownerReference with controller: true, else the first one). */
  owner?: OwnerRef;
  /** A static pod's mirror: the API cannot evict or move it. */
  mirror: boolean;
  /** What the scheduler reserves: max(sum of containers + sidecars, largest init container) + overhead. */
  requests: { cpuMilli: number; memoryBytes: number };
  nodeSelector: Record<string, string>;
  /** requiredDuringSchedulingIgnoredDuringExecution node selector terms; undefined when none. */
  requiredNodeAffinity?: NodeSelectorTerm[];
  tolerations: Toleration[];
  /** Names of the PersistentVolumeClaims the pod mounts (same namespace). */
  claims: string[];
}

export interface WorkloadInfo {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** spec.replicas (default 1); for a DaemonSet status.desiredNumberScheduled. */
  desired: number;
  owner?: OwnerRef;
  /** Its `app.kubernetes.io/name` label (the workload's, else its pod template's). */
  appName?: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/** A Kubernetes LabelSelector object (matchLabels ANDed with matchExpressions). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PdbInfo {
  namespace: string;
  name: string;
  /** Absent selector selects nothing; an empty one selects every pod of the namespace (policy/v1). */
  selector?: LabelSelector;
  minAvailable?: string | number;
  maxUnavailable?: string | number;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
}

export interface PvInfo {
  name: string;
  claim?: { namespace: string; name: string };
  /** spec.nodeAffinity.required.nodeSelectorTerms; undefined when the volume can attach anywhere. */
  nodeAffinity?: NodeSelectorTerm[];
  phase?: string;
}

export interface PvcInfo {
  namespace: string;
  name: string;
  volumeName?: string;
}

export interface ClusterSnapshot {
  takenAt: string;
  /** API server URL the snapshot was read from. */
  server: string;
  context?: string;
  nodes: NodeInfo[];
  pods: PodInfo[];
  workloads: WorkloadInfo[];
  pdbs: PdbInfo[];
  pvs: PvInfo[];
  pvcs: PvcInfo[];
}
