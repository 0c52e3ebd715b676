import { ApiException, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import pLimit from 'p-limit';
import type { FaultMode, WorkloadRef } from '../../drills/schema/index.js';
import { withApiRetry } from '../kube/retry.js';
import { PermissionError } from './errors.js';
import { serverMessage } from './snapshot.js';

// The census proves the list permissions by listing; what a drill does later (patch nodes,
// evict pods, read the watched workloads) is asked of the API server up front with
// SelfSubjectAccessReviews, so missing RBAC fails the drill before anything is changed instead
// of halfway through an injection. The target lease's access (leaseAccess) is asked the same way
// when the lease is taken, still before anything is changed.

export interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Unset: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  /** What the drill needs it for. */
  why: string;
}

const PLURAL: Record<WorkloadRef['kind'], string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicaSet: 'replicasets',
};

/** `create pods/eviction`, `get deployments.apps in shop`: the words an RBAC rule uses. */
export function describeAccess(a: Access): string {
  const res = `${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.group ? `.${a.group}` : ''}`;
  return `${a.verb} ${res}${a.namespace ? ` in namespace ${a.namespace}` : ''}`;
}

/** Permissions a drill needs beyond the census's lists, for its fault mode and the workloads it reads. */
export function requiredAccess(mode: FaultMode, workloads: WorkloadRef[]): Access[] {
  const out: Access[] = [
    { verb: 'get', group: '', resource: 'nodes', why: 'read each target node before changing it' },
    { verb: 'patch', group: '', resource: 'nodes', why: 'cordon, taint and mark the target nodes, and restore them' },
  ];
  if (mode === 'drain') out.push({ verb: 'create', group: '', resource: 'pods', subresource: 'eviction', why: 'evict the pods of the target nodes' });
  const seen = new Set<string>();
  for (const w of workloads) {
    const a: Access = { verb: 'get', group: 'apps', resource: PLURAL[w.kind], namespace: w.namespace, why: `read ${w.kind} ${w.namespace}/${w.name}` };
    const key = describeAccess(a);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

/** What the target lease needs in its namespace: read, take, renew, list the others and release. */
export function leaseAccess(namespace: string): Access[] {
  const why: Record<string, string> = {
    get: 'read the target\'s lease', list: 'find overlapping drills\' leases', create: 'take the target\'s lease',
    update: 'renew the lease or take over an expired one', delete: 'release the lease after restore',
  };
  return Object.entries(why).map(([verb, w]) => ({ verb, group: 'coordination.k8s.io', resource: 'leases', namespace, why: w }));
}

/**
 * The accesses the current credentials lack; undefined when the API server will not answer the
 * question itself (no permission to create SelfSubjectAccessReviews): the drill then finds out
 * by doing.
 */
export async function missingAccess(kc: KubeConfig, needed: Access[]): Promise<Access[] | undefined> {
  const api = kc.makeApiClient(AuthorizationV1Api);
  const limit = pLimit(8);
  const counter = { retries: 0 };
  let unanswerable = false;
  const answers = await Promise.all(needed.map((a) => limit(async () => {
    try {
      // A review changes nothing, so throttling, 5xx and dropped connections are simply retried.
      const review = await withApiRetry(() => api.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: a.verb, group: a.group, resource: a.resource,
              ...(a.subresource ? { subresource: a.subresource } : {}),
              ...(a.namespace ? { namespace: a.namespace } : {}),
            },
          },
        },
      }), counter);
      return review.status?.allowed === true;
    } catch (err) {
      if (err instanceof ApiException && (err.code === 403 || err.code === 404)) {
        unanswerable = true;
        return true;
      }
      throw err;
    }
  })));
  if (unanswerable) return undefined;
  return needed.filter((_, i) => !answers[i]);
}

/** One error naming every missing permission, in the words of an RBAC rule. */
export function accessError(missing: Access[], context?: string): PermissionError {
  const first = missing[0] as Access;
  const list = missing.map((a) => `${describeAccess(a)} (to ${a.why})`).join('; ');
  const whose = context ? ` of kube context "${context}"` : '';
  return new PermissionError(first.verb, `${first.resource}${first.subresource ? `/${first.subresource}` : ''}`,
    `forbidden: the worker's credentials${whose} may not ${list}; nothing was changed. `
    + 'Grant the missing rules (deploy/20-clusterrole.yaml has every rule firedrill needs)');
}

/**
 * A 403 from a change as a non-retryable failure carrying the API server's own words (they name
 * the user, verb and resource); undefined for any other error. Retrying cannot grant a permission.
 */
export function forbiddenFailure(err: unknown, doing: string): ApplicationFailure | undefined {
  if (!(err instanceof ApiException) || err.code !== 403) return undefined;
  const said = serverMessage(err.body);
  return ApplicationFailure.nonRetryable(`forbidden while ${doing}: ${said ?? 'HTTP 403'}`, 'PermissionError');
}
