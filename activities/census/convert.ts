import type {
  V1DaemonSet,
  V1Deployment,
  V1Node,
  V1NodeSelectorTerm,
  V1ObjectMeta,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1ResourceRequirements,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type {
  NodeInfo,
  NodeSelectorTerm,
  OwnerRef,
  PdbInfo,
  PodInfo,
  PvcInfo,
  PvInfo,
  WorkloadInfo,
  WorkloadKind,
} from './model.js';
import { bytes, cpuMilli } from './quantity.js';

// API objects → the census model (pure). Only the fields the census reads survive.

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

function ownerOf(meta: V1ObjectMeta | undefined): OwnerRef | undefined {
  const refs = meta?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  return ref ? { kind: ref.kind, name: ref.name } : undefined;
}

function terms(t: V1NodeSelectorTerm[] | undefined): NodeSelectorTerm[] | undefined {
  if (!t) return undefined;
  return t.map((term) => ({
    matchExpressions: term.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: e.values })),
    matchFields: term.matchFields?.map((e) => ({ key: e.key, operator: e.operator, values: e.values })),
  }));
}

export function toNode(n: V1Node): NodeInfo {
  const alloc = n.status?.allocatable ?? {};
  return {
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    unschedulable: n.spec?.unschedulable === true,
    taints: (n.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    allocatable: { cpuMilli: cpuMilli(alloc.cpu), memoryBytes: bytes(alloc.memory), pods: bytes(alloc.pods) },
  };
}

function sumRequests(list: Array<{ resources?: V1ResourceRequirements }>): { cpuMilli: number; memoryBytes: number } {
  let cpu = 0;
  let mem = 0;
  for (const c of list) {
    cpu += cpuMilli(c.resources?.requests?.cpu);
    mem += bytes(c.resources?.requests?.memory);
  }
  return { cpuMilli: cpu, memoryBytes: mem };
}

/** The scheduler's view of a pod's request: containers and sidecars run together, init containers one at a time. */
function podRequests(p: V1Pod): { cpuMilli: number; memoryBytes: number } {
  const spec = p.spec;
  const inits = spec?.initContainers ?? [];
  const sidecars = inits.filter((c) => c.restartPolicy === 'Always');
  const running = sumRequests([...(spec?.containers ?? []), ...sidecars]);
  let cpu = running.cpuMilli;
  let mem = running.memoryBytes;
  for (const c of inits.filter((i) => i.restartPolicy !== 'Always')) {
    cpu = Math.max(cpu, cpuMilli(c.resources?.requests?.cpu));
    mem = Math.max(mem, bytes(c.resources?.requests?.memory));
  }
  const overhead = spec?.overhead ?? {};
  return { cpuMilli: cpu + cpuMilli(overhead.cpu), memoryBytes: mem + bytes(overhead.memory) };
}

export function toPod(p: V1Pod): PodInfo {
  const meta = p.metadata;
  return {
    namespace: meta?.namespace ?? '',
    name: meta?.name ?? '',
    nodeName: p.spec?.nodeName || undefined,
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: meta?.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
    labels: meta?.labels ?? {},
    owner: ownerOf(meta),
    mirror: meta?.annotations?.[MIRROR_ANNOTATION] !== undefined,
    requests: podRequests(p),
    nodeSelector: p.spec?.nodeSelector ?? {},
    requiredNodeAffinity: terms(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms),
    tolerations: (p.spec?.tolerations ?? []).map((t) => ({ key: t.key, operator: t.operator, value: t.value, effect: t.effect })),
    claims: (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])),
  };
}

export const APP_NAME_LABEL = 'app.kubernetes.io/name';

function workload(kind: WorkloadKind, meta: V1ObjectMeta | undefined, desired: number, template?: V1ObjectMeta): WorkloadInfo {
  // The workload's own label, else its pods': how a copy of it in another cluster is recognised.
  const appName = meta?.labels?.[APP_NAME_LABEL] ?? template?.labels?.[APP_NAME_LABEL];
  return { kind, namespace: meta?.namespace ?? '', name: meta?.name ?? '', desired, owner: ownerOf(meta), ...(appName ? { appName } : {}) };
}

export const toDeployment = (d: V1Deployment): WorkloadInfo => workload('Deployment', d.metadata, d.spec?.replicas ?? 1, d.spec?.template?.metadata);
export const toStatefulSet = (s: V1StatefulSet): WorkloadInfo => workload('StatefulSet', s.metadata, s.spec?.replicas ?? 1, s.spec?.template?.metadata);
export const toReplicaSet = (r: V1ReplicaSet): WorkloadInfo => workload('ReplicaSet', r.metadata, r.spec?.replicas ?? 1, r.spec?.template?.metadata);
export const toDaemonSet = (d: V1DaemonSet): WorkloadInfo => workload('DaemonSet', d.metadata, d.status?.desiredNumberScheduled ?? 0, d.spec?.template?.metadata);

export function toPdb(p: V1PodDisruptionBudget): PdbInfo {
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    selector: p.spec?.selector
      ? {
          matchLabels: p.spec.selector.matchLabels,
          matchExpressions: p.spec.selector.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: e.values })),
        }
      : undefined,
    minAvailable: p.spec?.minAvailable,
    maxUnavailable: p.spec?.maxUnavailable,
    disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
    currentHealthy: p.status?.currentHealthy ?? 0,
    desiredHealthy: p.status?.desiredHealthy ?? 0,
    expectedPods: p.status?.expectedPods ?? 0,
  };
}

export function toPv(v: V1PersistentVolume): PvInfo {
  const ref = v.spec?.claimRef;
  return {
    name: v.metadata?.name ?? '',
    claim: ref?.name ? { namespace: ref.namespace ?? '', name: ref.name } : undefined,
    nodeAffinity: terms(v.spec?.nodeAffinity?.required?.nodeSelectorTerms),
    phase: v.status?.phase,
  };
}

export function toPvc(c: V1PersistentVolumeClaim): PvcInfo {
  return { namespace: c.metadata?.namespace ?? '', name: c.metadata?.name ?? '', volumeName: c.spec?.volumeName || undefined };
}
