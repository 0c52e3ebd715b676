import { ApiException, CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { TargetSpec } from '../drills/schema/index.js';
import { accessError, leaseAccess, missingAccess } from './census/access.js';
import { serverMessage } from './census/snapshot.js';
import { withHeartbeat } from './heartbeat.js';
import { RESTORE_GRACE_MS } from './faults/marks.js';
import { withApiRetry, type RetryCounter } from './kube/retry.js';
import {
  DEFAULT_LEASE_NAMESPACE, holderIdentity, isNamespaceName, LEASE_LABEL, leaseAnnotations, leaseExpiry, leaseName, leaseTarget,
  readLeaseHolder, targetsOverlap, type LeaseHolder,
} from './lease-rules.js';

// The target lease (see lease-rules.ts for the overlap rule): taken at preflight, renewed just
// before injection for timing.maxDuration + the restore grace (so a lease left by a dead run
// expires by its marks' restore-by deadline), released after restore. Every call is idempotent:
// a retry finds the lease already its own and renews it, a release of a lease already gone or
// held by another run does nothing.

export interface LeaseInput {
  context?: string;
  workflowId: string;
  runId: string;
  drill: string;
  target: TargetSpec;
  /** The nodes the target selected at preflight. */
  nodes: string[];
  durationMs: number;
  /**
   * Taken just before injection: the lease lasts durationMs (timing.maxDuration) plus the restore
   * grace, so it runs out no later than the restore-by deadline of the marks written after it.
   */
  forFault?: boolean;
}

export type ReleaseInput = Pick<LeaseInput, 'context' | 'workflowId' | 'runId' | 'target'>;

export type LeaseResult =
  | { ok: true; lease: string; expiresAt: string; tookOver?: { runId: string; workflowId: string; why: 'expired' | 'closed' } }
  | { ok: false; lease: string; holder: Omit<LeaseHolder, 'nodes'>; expiresAt?: string };

export interface LeaseDeps {
  kubeFor: (context?: string) => KubeConfig;
  env?: Record<string, string | undefined>;
  temporal?: Client;
}

const MAX_RACES = 5;

function leaseNamespace(env: Record<string, string | undefined>): string {
  const ns = env.FIREDRILL_LEASE_NAMESPACE?.trim() || DEFAULT_LEASE_NAMESPACE;
  if (!isNamespaceName(ns)) throw ApplicationFailure.nonRetryable(`FIREDRILL_LEASE_NAMESPACE: "${ns}" is not a namespace name`, 'LeaseConfigError');
  return ns;
}

const code = (err: unknown) => (err instanceof ApiException ? err.code : undefined);

function temporalNamespace(): string | undefined {
  try {
    return Context.current().info.workflowNamespace;
  } catch {
    return undefined;
  }
}

export function createLeaseActivities(deps: LeaseDeps) {
  const env = deps.env ?? process.env;

  /** A lease of a run of this Temporal namespace that is no longer open is stale, whatever its expiry. */
  const closedRun = async (h: LeaseHolder, ours: string | undefined): Promise<boolean> => {
    if (!deps.temporal || !ours || h.temporalNamespace !== ours || !h.workflowId || !h.runId) return false;
    try {
      const d = await deps.temporal.workflow.getHandle(h.workflowId, h.runId).describe();
      return d.status.name !== 'RUNNING';
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return true;
      throw err;
    }
  };

  const clients = (context?: string) => {
    const kc = deps.kubeFor(context);
    return { kc, coord: kc.makeApiClient(CoordinationV1Api), core: kc.makeApiClient(CoreV1Api) };
  };

  const clusterUid = async (core: CoreV1Api, counter: RetryCounter) => {
    const uid = (await withApiRetry(() => core.readNamespace({ name: 'kube-system' }), counter)).metadata?.uid;
    if (!uid) throw new Error('the kube-system namespace has no UID: cannot tell which cluster this is');
    return uid;
  };

  return {
    /** Takes (or renews) the target's lease for `durationMs`; refuses, changing nothing, while an overlapping drill holds one. */
    acquireLease: (input: LeaseInput): Promise<LeaseResult> => withHeartbeat(() => acquire(input)),

    /** Releases the target's lease if this run still holds it; a lease gone or another run's is left as it is. */
    releaseLease: (input: ReleaseInput): Promise<{ released: boolean; lease: string }> => withHeartbeat(() => release(input)),
  };

  async function acquire(input: LeaseInput): Promise<LeaseResult> {
    const namespace = leaseNamespace(env);
    const { kc, coord, core } = clients(input.context);
    const missing = await missingAccess(kc, leaseAccess(namespace));
    if (missing?.length) throw ApplicationFailure.nonRetryable(accessError(missing, kc.getCurrentContext()).message, 'PermissionError');
    const counter: RetryCounter = { retries: 0 };
    const name = leaseName(await clusterUid(core, counter), leaseTarget(input.target));
    const ref = `${namespace}/${name}`;
    const ours = temporalNamespace();
    const durationMs = input.durationMs + (input.forFault ? RESTORE_GRACE_MS : 0);
    const me: LeaseHolder = {
      // The whole cluster overlaps every target: its node list would only make the lease large.
      workflowId: input.workflowId, runId: input.runId, drill: input.drill, target: leaseTarget(input.target), nodes: input.target.type === 'cluster' ? [] : input.nodes,
      ...(ours ? { temporalNamespace: ours } : {}),
    };
    const identity = holderIdentity(me);
    const refusal = (l: V1Lease): LeaseResult => {
      const h = readLeaseHolder(l.metadata?.annotations, l.spec?.holderIdentity);
      const exp = leaseExpiry(l.spec);
      return {
        ok: false, lease: `${namespace}/${l.metadata?.name ?? ''}`,
        holder: { workflowId: h.workflowId, runId: h.runId, drill: h.drill, target: h.target, ...(h.temporalNamespace ? { temporalNamespace: h.temporalNamespace } : {}) },
        ...(exp !== undefined ? { expiresAt: new Date(exp).toISOString() } : {}),
      };
    };
    /** A lease another run holds that still counts: not expired, and its run not known closed. */
    const binding = async (l: V1Lease, now: number) => {
      if (l.spec?.holderIdentity === identity || !l.spec?.holderIdentity) return undefined;
      const exp = leaseExpiry(l.spec);
      if (exp !== undefined && exp <= now) return 'expired' as const;
      if (await closedRun(readLeaseHolder(l.metadata?.annotations, l.spec.holderIdentity), ours)) return 'closed' as const;
      return 'live' as const;
    };

    let written: V1Lease | undefined;
    let tookOver: Extract<LeaseResult, { ok: true }>['tookOver'];
    for (let race = 0; !written; race++) {
      if (race >= MAX_RACES) throw new Error(`lease ${ref}: changed under us ${MAX_RACES} times in a row`);
      const now = Date.now();
      const existing = await withApiRetry(() => coord.readNamespacedLease({ name, namespace }), counter)
        .catch((err: unknown) => { if (code(err) === 404) return undefined; throw err; });
      const state = existing ? await binding(existing, now) : undefined;
      if (state === 'live') return refusal(existing as V1Lease);
      const at = new V1MicroTime(now);
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name, namespace,
          labels: { [LEASE_LABEL]: 'target', 'app.kubernetes.io/managed-by': 'firedrill' },
          annotations: leaseAnnotations(me),
          ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
        },
        spec: {
          holderIdentity: identity,
          // Rounded down: the lease never outlasts the deadline it is meant to end by.
          leaseDurationSeconds: Math.max(1, Math.floor(durationMs / 1000)),
          // A renewal keeps the time it was first taken.
          acquireTime: state === undefined && existing?.spec?.acquireTime ? existing.spec.acquireTime : at,
          renewTime: at,
          leaseTransitions: (existing?.spec?.leaseTransitions ?? 0) + (existing && state !== undefined ? 1 : 0),
        },
      };
      try {
        written = existing
          ? await withApiRetry(() => coord.replaceNamespacedLease({ name, namespace, body }), counter)
          : await createLease(coord, core, namespace, body, counter);
      } catch (err) {
        if (code(err) === 409) continue;
        throw err;
      }
      if (existing && state) {
        const h = readLeaseHolder(existing.metadata?.annotations, existing.spec?.holderIdentity);
        tookOver = { runId: h.runId, workflowId: h.workflowId, why: state };
      }
    }

    // Leases of other targets that overlap this one. Both runs write before they read, so of
    // two runs starting together at least one sees the other and refuses.
    const all = await withApiRetry(() => coord.listNamespacedLease({ namespace, labelSelector: `${LEASE_LABEL}=target` }), counter);
    const now = Date.now();
    for (const other of all.items) {
      if (other.metadata?.name === name) continue;
      if (!targetsOverlap(me, readLeaseHolder(other.metadata?.annotations, other.spec?.holderIdentity))) continue;
      if ((await binding(other, now)) !== 'live') continue;
      await deleteOwn(coord, namespace, written, counter);
      return refusal(other);
    }
    const exp = leaseExpiry(written.spec) ?? now + durationMs;
    return { ok: true, lease: ref, expiresAt: new Date(exp).toISOString(), ...(tookOver ? { tookOver } : {}) };
  }

  async function release(input: ReleaseInput): Promise<{ released: boolean; lease: string }> {
    const namespace = leaseNamespace(env);
    const { coord, core } = clients(input.context);
    const counter: RetryCounter = { retries: 0 };
    const name = leaseName(await clusterUid(core, counter), leaseTarget(input.target));
    const ref = `${namespace}/${name}`;
    const l = await withApiRetry(() => coord.readNamespacedLease({ name, namespace }), counter)
      .catch((err: unknown) => { if (code(err) === 404) return undefined; throw err; });
    if (!l || l.spec?.holderIdentity !== holderIdentity(input)) return { released: false, lease: ref };
    await deleteOwn(coord, namespace, l, counter);
    return { released: true, lease: ref };
  }
}

/** Creates the lease, and its namespace once if that is missing (allowed where the worker may create namespaces). */
async function createLease(coord: CoordinationV1Api, core: CoreV1Api, namespace: string, body: V1Lease, counter: RetryCounter): Promise<V1Lease> {
  try {
    return await withApiRetry(() => coord.createNamespacedLease({ namespace, body }), counter);
  } catch (err) {
    if (code(err) !== 404) throw err;
  }
  try {
    await withApiRetry(() => core.createNamespace({ body: { metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': 'firedrill' } } } }), counter);
  } catch (err) {
    if (code(err) === 403) {
      throw ApplicationFailure.nonRetryable(
        `the lease namespace ${namespace} does not exist and the worker may not create it (${serverMessage((err as ApiException<unknown>).body) ?? 'HTTP 403'}); `
        + 'create it (deploy/00-namespace.yaml) or set FIREDRILL_LEASE_NAMESPACE; nothing was changed', 'LeaseConfigError');
    }
    if (code(err) !== 409) throw err;
  }
  return withApiRetry(() => coord.createNamespacedLease({ namespace, body }), counter);
}

/** Deletes a lease only as it was read or written (resourceVersion precondition): never one taken over meanwhile. */
async function deleteOwn(coord: CoordinationV1Api, namespace: string, l: V1Lease, counter: RetryCounter): Promise<void> {
  const name = l.metadata?.name ?? '';
  try {
    await withApiRetry(() => coord.deleteNamespacedLease({
      name, namespace, body: { preconditions: { ...(l.metadata?.uid ? { uid: l.metadata.uid } : {}), ...(l.metadata?.resourceVersion ? { resourceVersion: l.metadata.resourceVersion } : {}) } },
    }), counter);
  } catch (err) {
    if (code(err) === 404 || code(err) === 409) return;
    throw err;
  }
}
