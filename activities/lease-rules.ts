import { createHash } from 'node:crypto';
import type { TargetSpec } from '../drills/schema/index.js';

// One drill per target at a time: the rules of the target lease, pure. Every drill run (manual,
// scheduled, game-day child) holds a coordination.k8s.io/v1 Lease in the target's own cluster,
// named from the cluster's identity and the target, and refuses to start while another live
// lease names a target that could select the same nodes.
//
// Two targets overlap when either is the whole cluster, when both are zones with the same zone
// value (whatever the label key), or when the nodes they selected at preflight share a name.
// The rule errs towards refusing: a false overlap costs a retry, a missed one two drills on one
// node.

export const LEASE_LABEL = 'firedrill.dev/lease';
export const LEASE_RUN_ANNOTATION = 'firedrill.dev/run-id';
export const LEASE_WORKFLOW_ANNOTATION = 'firedrill.dev/workflow-id';
export const LEASE_DRILL_ANNOTATION = 'firedrill.dev/drill';
/** JSON: the target as the drill names it (type, zone and zoneLabel, or selector). */
export const LEASE_TARGET_ANNOTATION = 'firedrill.dev/target';
/** JSON: the node names the target selected at preflight. */
export const LEASE_NODES_ANNOTATION = 'firedrill.dev/nodes';
/** The Temporal namespace of the holder: only there does a closed run prove a lease stale. */
export const LEASE_NAMESPACE_ANNOTATION = 'firedrill.dev/temporal-namespace';

/** FIREDRILL_LEASE_NAMESPACE; the worker's own namespace of deploy/ by default. */
export const DEFAULT_LEASE_NAMESPACE = 'firedrill';

export type LeaseTarget = Pick<TargetSpec, 'type'> & { zone?: string; zoneLabel?: string; selector?: string };

/** What a lease says about its holder and its target. */
export interface LeaseHolder {
  workflowId: string;
  runId: string;
  drill: string;
  target: LeaseTarget;
  nodes: string[];
  temporalNamespace?: string;
}

/** The lease holder identity: workflow id and run id. */
export function holderIdentity(h: Pick<LeaseHolder, 'workflowId' | 'runId'>): string {
  return `${h.workflowId}/${h.runId}`;
}

/** The target without what does not select nodes (the context, a standby). */
export function leaseTarget(t: TargetSpec): LeaseTarget {
  if (t.type === 'zone') return { type: 'zone', zone: t.zone, zoneLabel: t.zoneLabel };
  if (t.type === 'nodes') return { type: 'nodes', selector: t.selector.trim() };
  return { type: 'cluster' };
}

function canonical(t: LeaseTarget): string {
  if (t.type === 'zone') return `zone:${t.zoneLabel ?? ''}=${t.zone ?? ''}`;
  if (t.type === 'nodes') return `nodes:${t.selector ?? ''}`;
  return 'cluster';
}

/**
 * `firedrill-<type>-<12 hex of sha256(cluster identity, target)>`: the same target of the same
 * cluster always names the same lease, so a second run of it meets the first one's at create.
 * The cluster identity is the UID of its kube-system namespace, as marks carry it.
 */
export function leaseName(clusterUid: string, t: LeaseTarget): string {
  const hash = createHash('sha256').update(`${clusterUid}\n${canonical(t)}`).digest('hex').slice(0, 12);
  return `firedrill-${t.type}-${hash}`;
}

/** Whether two targets could select the same nodes (see the rule above). */
export function targetsOverlap(a: Pick<LeaseHolder, 'target' | 'nodes'>, b: Pick<LeaseHolder, 'target' | 'nodes'>): boolean {
  if (a.target.type === 'cluster' || b.target.type === 'cluster') return true;
  if (a.target.type === 'zone' && b.target.type === 'zone' && a.target.zone === b.target.zone) return true;
  const mine = new Set(a.nodes);
  return b.nodes.some((n) => mine.has(n));
}

/** When a lease runs out: its renew (or acquire) time plus its duration; undefined if it names neither. */
export function leaseExpiry(spec: { renewTime?: Date; acquireTime?: Date; leaseDurationSeconds?: number } | undefined): number | undefined {
  const from = spec?.renewTime ?? spec?.acquireTime;
  if (!from || spec?.leaseDurationSeconds === undefined) return undefined;
  return new Date(from).getTime() + spec.leaseDurationSeconds * 1000;
}

/** The annotations a lease carries for `h`. */
export function leaseAnnotations(h: LeaseHolder): Record<string, string> {
  return {
    [LEASE_RUN_ANNOTATION]: h.runId,
    [LEASE_WORKFLOW_ANNOTATION]: h.workflowId,
    [LEASE_DRILL_ANNOTATION]: h.drill,
    [LEASE_TARGET_ANNOTATION]: JSON.stringify(h.target),
    [LEASE_NODES_ANNOTATION]: JSON.stringify(h.nodes),
    ...(h.temporalNamespace ? { [LEASE_NAMESPACE_ANNOTATION]: h.temporalNamespace } : {}),
  };
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The holder a lease's annotations describe. A lease whose target cannot be read is taken as the
 * whole cluster: what cannot be read cannot be ruled out.
 */
export function readLeaseHolder(annotations: Record<string, string> | undefined, identity: string | undefined): LeaseHolder {
  const a = annotations ?? {};
  const t = parseJson(a[LEASE_TARGET_ANNOTATION]) as LeaseTarget | undefined;
  const nodes = parseJson(a[LEASE_NODES_ANNOTATION]);
  const target: LeaseTarget = t && ['zone', 'nodes', 'cluster'].includes(t.type) ? t : { type: 'cluster' };
  const [wf, run] = splitIdentity(identity);
  return {
    workflowId: a[LEASE_WORKFLOW_ANNOTATION] ?? wf,
    runId: a[LEASE_RUN_ANNOTATION] ?? run,
    drill: a[LEASE_DRILL_ANNOTATION] ?? '',
    target,
    nodes: Array.isArray(nodes) ? nodes.filter((n): n is string => typeof n === 'string') : [],
    ...(a[LEASE_NAMESPACE_ANNOTATION] ? { temporalNamespace: a[LEASE_NAMESPACE_ANNOTATION] } : {}),
  };
}

/** Workflow ids may contain "/"; run ids (UUIDs) do not. */
function splitIdentity(identity: string | undefined): [string, string] {
  const s = identity ?? '';
  const i = s.lastIndexOf('/');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** A DNS-1123 label, as a namespace name must be. */
export function isNamespaceName(s: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s);
}
