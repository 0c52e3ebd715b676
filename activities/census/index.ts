/**
 * The blast-radius plan: what `firedrill plan --json` prints and the preflight phase records.
 *
 * JSON shape (schemaVersion "firedrill.dev/plan/v1"); CPU in millicores, memory in bytes:
 *
 * {
 *   schemaVersion: "firedrill.dev/plan/v1",
 *   takenAt:   ISO time the cluster was read,
 *   cluster:   { server, context? }                      the API server the census read
 *   drill:     drill name;   fault: "cordon" | "drain" | "power-loss"
 *   target: {
 *     description   e.g. "zone zone-a (topology.kubernetes.io/zone)"
 *     zoneLabel     label used for per-zone counts
 *     nodes[]       { name, zone?, unschedulable }      the nodes the drill takes away
 *     clusterNodes, fraction (target/cluster), wholeCluster
 *     zones[]       { zone ('' = no label), nodes, targetNodes }
 *   },
 *   workloads[]:  { kind, namespace, name, desired, ready, readyInTarget, readyOutside,
 *                   podsInTarget, losesAll, watched }   Deployments, StatefulSets, DaemonSets and
 *                                                       stand-alone ReplicaSets (a Deployment's
 *                                                       ReplicaSet pods count for the Deployment)
 *   losesAll[]:   { kind, namespace, name }             every ready replica is in the target
 *   daemonSets[]: { namespace, name, desired, podsInTarget }   ignored by a drain
 *   pdbs[]:       { namespace, name, podsInTarget, disruptionsAllowed, blocking, reason }
 *                                                       PDBs with evictable pods in the target;
 *                                                       blocking = podsInTarget > disruptionsAllowed
 *   zoneBoundVolumes[]: { name, zone, claim?, pods[] }  PVs that can only attach inside the target,
 *                                                       with the pods ("ns/name") that cannot move
 *   notEvicted[]:    { namespace, pod, node, reason }   protected namespaces, mirror pods
 *   unmanagedPods[]: { namespace, pod, node, reason }   no controller: deleted for good by a drain
 *   placement: {
 *     worker:     { node?, inside: true | false | null (unknown) }
 *     temporal:   { nodes[], inside[] (those in the target), known }
 *     monitoring[]: { kind, namespace, name, found, readyInTarget, readyOutside,
 *                     inside: "all" | "some" | "none" }
 *   },
 *   capacity: {
 *     mustMove: { cpuMilli, memoryBytes, pods }       requests of the pods that must move
 *     outside:  { nodes, allocatable, requested, free }  schedulable nodes outside the target
 *     pending[]: { namespace, pod, owner, cause: "pinned" | "capacity", reason }
 *     pinned:   pods no node outside the target may take;  fits: nothing stays Pending
 *     method:   how the estimate is made (first-fit decreasing; what it ignores)
 *   },
 *   warnings[]: strings that do not refuse the drill,
 *   standby?: {                                        a cluster target's `standby` (standby.ts)
 *     context, server, zones[], rule                   rule: how counterparts are matched
 *     workloads[]: { kind, namespace, name, desired, ready,
 *                    counterpart: { kind, namespace, name, desired, ready, matchedBy: "name" | "label" } | null }
 *     noCounterpart[]: { kind, namespace, name }      exists in the drilled cluster only
 *     capacity: { mustAbsorb, withoutCounterpart, nodes, allocatable, requested, free, shortfall,
 *                 pending[], fits, method }            room in the standby for the drilled site's load
 *     warnings[]
 *   },
 *   verdict:    { allowed, reasons[] }                  the blast-radius guards
 * }
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from '../kube/pooled-config.js';
import type { PlanSummary } from '../../report/result.js';
import { computeCensus } from './compute.js';
import { KubeConfigError } from './errors.js';
import { guardVerdict } from './guards.js';
import { fetchSnapshot, type SnapshotOptions } from './snapshot.js';
import { standbyCensus, standbySummary } from './standby.js';
import type { Census, CensusSpec, Plan, StandbyCensus, Where } from './types.js';
import type { ClusterSnapshot } from './model.js';

export { computeCensus } from './compute.js';
export { guardVerdict } from './guards.js';
export { formatPlan } from './format.js';
export { fetchSnapshot, type SnapshotOptions } from './snapshot.js';
export { loadKubeConfig } from './kubeconfig.js';
export { CensusError, ClusterRequestError, ClusterUnreachableError, KubeConfigError, PermissionError } from './errors.js';
export { compileSelector } from './selectors.js';
export type * from './model.js';
export type * from './types.js';

export const PLAN_SCHEMA_VERSION: Plan['schemaVersion'] = 'firedrill.dev/plan/v1';

/** The same kubeconfig switched to another of its contexts (the standby's). */
export function withContext(kc: KubeConfig, context: string): KubeConfig {
  if (!kc.getContextObject(context)) {
    throw new KubeConfigError(`standby kube context "${context}" does not exist; contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`);
  }
  const other = new PooledKubeConfig();
  other.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: context });
  return other;
}

/** The standby of a cluster drill, read like the drilled cluster (read-only). */
async function planStandby(spec: CensusSpec, kc: KubeConfig, drilled: { snapshot: ClusterSnapshot; census: Census }, options?: SnapshotOptions): Promise<StandbyCensus | undefined> {
  const context = spec.target.type === 'cluster' ? spec.target.standby?.context : undefined;
  if (!context) return undefined;
  const standbyKc = withContext(kc, context);
  if (standbyKc.getCurrentCluster()?.server === kc.getCurrentCluster()?.server) {
    throw new KubeConfigError(`standby context "${context}" reaches the drilled cluster itself (${kc.getCurrentCluster()?.server}): name another cluster`);
  }
  return standbyCensus({ spec, context, drilled, standby: await fetchSnapshot(standbyKc, options) });
}

/** Reads the cluster (read-only), takes the census and judges it against the drill's guards. */
export async function planDrill(spec: CensusSpec, kc: KubeConfig, where: Where = {}, options?: SnapshotOptions): Promise<Plan> {
  const snapshot = await fetchSnapshot(kc, options);
  const census = computeCensus(spec, snapshot, where);
  const standby = await planStandby(spec, kc, { snapshot, census }, options);
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    takenAt: snapshot.takenAt,
    cluster: { server: snapshot.server, context: snapshot.context },
    ...census,
    ...(standby ? { standby } : {}),
    verdict: guardVerdict(spec, census),
  };
}

/** The predicted impact a drill result keeps: the workloads the target touches, not the whole cluster. */
export function toPlanSummary(plan: Plan): PlanSummary {
  return {
    targetNodes: plan.target.nodes.map((n) => ({ name: n.name, zone: n.zone, unschedulable: n.unschedulable })),
    clusterNodes: plan.target.clusterNodes,
    workloads: plan.workloads
      .filter((w) => w.podsInTarget > 0 || w.watched)
      .map((w) => ({
        kind: w.kind,
        namespace: w.namespace,
        name: w.name,
        desired: w.desired,
        readyInTarget: w.readyInTarget,
        readyOutside: w.readyOutside,
        losesAll: w.losesAll,
      })),
    losesAll: plan.losesAll.map((w) => ({ ...w })),
    blockingPdbs: plan.pdbs.filter((p) => p.blocking).map((p) => ({ namespace: p.namespace, name: p.name, reason: p.reason })),
    zoneBoundVolumes: plan.zoneBoundVolumes.map((v) => ({ ...v, pods: [...v.pods] })),
    pendingAfterMove: plan.capacity.pending.map((p) => `${p.namespace}/${p.pod}: ${p.reason}`),
    verdict: { allowed: plan.verdict.allowed, reasons: [...plan.verdict.reasons] },
    ...(plan.warnings.length ? { warnings: [...plan.warnings] } : {}),
    ...(plan.standby ? { standby: standbySummary(plan.standby) } : {}),
  };
}
