import type { PodInfo, WorkloadInfo, WorkloadKind } from './model.js';
import type { DaemonSetCensus, WorkloadCensus, WorkloadKey } from './types.js';

// Which workload each pod belongs to, and where each workload's ready replicas run. A Deployment's
// pods are owned by its ReplicaSets: they count for the Deployment, which is what people name.

const KINDS: ReadonlySet<string> = new Set<WorkloadKind>(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export const keyOf = (k: WorkloadKey): string => `${k.kind}/${k.namespace}/${k.name}`;

/** A pod that counts: scheduled somewhere, not finished, not already being deleted. */
export const isLive = (p: PodInfo): boolean => p.phase !== 'Succeeded' && p.phase !== 'Failed' && !p.terminating;

export const isReady = (p: PodInfo): boolean => p.ready && isLive(p);

export interface Ownership {
  /** The workload a pod counts for (ReplicaSet pods roll up to their Deployment). */
  workloadOf(p: PodInfo): WorkloadKey | undefined;
  /** The direct controller, without the roll-up (to find a ReplicaSet by its own name). */
  directOf(p: PodInfo): WorkloadKey | undefined;
}

export function ownership(workloads: WorkloadInfo[]): Ownership {
  const deploymentOfRs = new Map<string, string>();
  for (const w of workloads) {
    if (w.kind === 'ReplicaSet' && w.owner?.kind === 'Deployment') deploymentOfRs.set(`${w.namespace}/${w.name}`, w.owner.name);
  }
  const directOf = (p: PodInfo): WorkloadKey | undefined =>
    p.owner && KINDS.has(p.owner.kind) ? { kind: p.owner.kind as WorkloadKind, namespace: p.namespace, name: p.owner.name } : undefined;
  return {
    directOf,
    workloadOf(p) {
      const d = directOf(p);
      if (d?.kind !== 'ReplicaSet') return d;
      const dep = deploymentOfRs.get(`${p.namespace}/${d.name}`);
      return dep ? { kind: 'Deployment', namespace: p.namespace, name: dep } : d;
    },
  };
}

export interface Counts {
  ready: number;
  readyInTarget: number;
  readyOutside: number;
  podsInTarget: number;
}

export const emptyCounts = (): Counts => ({ ready: 0, readyInTarget: 0, readyOutside: 0, podsInTarget: 0 });

/** Pod counts per workload key, by the given key function. */
export function countPods(pods: PodInfo[], inTarget: Set<string>, key: (p: PodInfo) => WorkloadKey | undefined): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  for (const p of pods) {
    const k = key(p);
    if (!k || !p.nodeName || !isLive(p)) continue;
    const c = counts.get(keyOf(k)) ?? emptyCounts();
    const inside = inTarget.has(p.nodeName);
    if (inside) c.podsInTarget++;
    if (p.ready) {
      c.ready++;
      if (inside) c.readyInTarget++;
      else c.readyOutside++;
    }
    counts.set(keyOf(k), c);
  }
  return counts;
}

const byKey = (a: WorkloadKey, b: WorkloadKey): number =>
  a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);

/**
 * Every Deployment, StatefulSet, DaemonSet and stand-alone ReplicaSet with its ready replicas
 * inside and outside the target. A workload loses all replicas when it has ready ones and every
 * one of them is in the target; DaemonSets never do (a drain leaves their pods alone).
 */
export function workloadCensus(
  workloads: WorkloadInfo[],
  pods: PodInfo[],
  inTarget: Set<string>,
  own: Ownership,
  watched: Set<string>,
): WorkloadCensus[] {
  const counts = countPods(pods, inTarget, (p) => own.workloadOf(p));
  return workloads
    .filter((w) => !(w.kind === 'ReplicaSet' && w.owner?.kind === 'Deployment'))
    .map((w) => {
      const key: WorkloadKey = { kind: w.kind, namespace: w.namespace, name: w.name };
      const c = counts.get(keyOf(key)) ?? emptyCounts();
      return {
        ...key,
        desired: w.desired,
        ...c,
        losesAll: w.kind !== 'DaemonSet' && c.readyInTarget > 0 && c.readyOutside === 0,
        watched: watched.has(keyOf(key)),
      };
    })
    .sort(byKey);
}

/** DaemonSets with pods on target nodes: a drain skips them, so they are listed, not moved. */
export function daemonSetCensus(workloads: WorkloadCensus[]): DaemonSetCensus[] {
  return workloads
    .filter((w) => w.kind === 'DaemonSet' && w.podsInTarget > 0)
    .map((w) => ({ namespace: w.namespace, name: w.name, desired: w.desired, podsInTarget: w.podsInTarget }));
}
