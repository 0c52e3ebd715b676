import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  createConfiguration,
  PolicyV1Api,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type V1ListMeta,
} from '@kubernetes/client-node';
import { readItemPage } from '../kube/item-pages.js';
import { failureText, networkCause, retryAfterMs } from '../kube/retry.js';
import * as convert from './convert.js';
import { ClusterRequestError, ClusterUnreachableError, PermissionError } from './errors.js';
import type { ClusterSnapshot, NodeInfo, PodInfo } from './model.js';

// Reads everything the census needs, read-only, in pages (kubectl's page size) so a cluster with
// 10,000 pods never needs one giant response. Every request carries its own deadline, so a dead
// API server becomes a clear error in seconds instead of a hang. Pods and nodes, the lists whose
// pages are large, are parsed one item at a time (kube/item-pages.ts) and cut down to the model at once.

export interface SnapshotOptions {
  /** Deadline of each request. */
  requestTimeoutMs?: number;
  pageSize?: number;
}

const DEFAULTS = { requestTimeoutMs: 10_000, pageSize: 500 };
/** Server-side hiccups worth one more try; a dead server is not retried (it would only be slower). */
// Throttling, server errors and dropped connections are retried: a flaky API must not fail a
// preflight that a second look would pass. Permissions and bad requests are not.
const RETRIES = 4;
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
// A refused connection or a timeout means the server is away, not flaky: say so at once.
// (UND_ERR_SOCKET: undici's "other side closed", a dropped connection.)
const retryable = (err: unknown) => (err instanceof ApiException ? RETRYABLE.has(err.code)
  : /ECONNRESET|EPIPE|UND_ERR_SOCKET|socket hang up/i.test(failureText(err)));
/** A continue token that expired (410) restarts the list; more than this and we give up. */
const RESTARTS = 3;

interface Resource {
  /** Plural name as in RBAC: pods, deployments, ... */
  plural: string;
  group: string;
}

interface Page<T> {
  items: T[];
  metadata?: V1ListMeta;
}

type PageFetcher<T> = (page: { limit: number; _continue?: string }) => Promise<Page<T>>;

/** A request's own deadline, cancelled with its siblings once one of them fails. */
const requestSignal = (cancel: AbortSignal, timeoutMs: number) => AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)]);

/** Every request gets its own deadline and is cancelled with its siblings once one of them fails. */
function apiConfiguration(kc: KubeConfig, server: string, timeoutMs: number, cancel: AbortSignal): Configuration {
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (ctx) => {
          ctx.setSignal(requestSignal(cancel, timeoutMs));
          return ctx;
        },
        post: async (res) => res,
      },
    ],
  });
}

function resourceName(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** The message of a Kubernetes Status body, as a string or parsed. */
export function serverMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return serverMessage(JSON.parse(body));
    } catch {
      return body.trim() || undefined;
    }
  }
  const msg = (body as { message?: unknown } | undefined)?.message;
  return typeof msg === 'string' ? msg : undefined;
}

/** Maps a failed list request to the error an operator can act on. */
function explainFailure(err: unknown, r: Resource, server: string, context: string, timeoutMs: number): Error {
  const name = resourceName(r);
  if (err instanceof ApiException) {
    const said = serverMessage(err.body);
    if (err.code === 403) {
      return new PermissionError('list', name,
        `forbidden: cannot list ${name} at the cluster scope (needs verb list on ${name})${said ? `; the API server said: ${said}` : ''}`);
    }
    if (err.code === 401) {
      return new PermissionError('list', name, `unauthorized: the API server at ${server} rejected the credentials of context "${context}"`);
    }
    return new ClusterRequestError(err.code, `listing ${name} from ${server} failed with HTTP ${err.code}${said ? `: ${said}` : ''}`);
  }
  const e = err as { name?: string; message?: string };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
    return new ClusterUnreachableError(server, `no answer within ${timeoutMs / 1000} s (context "${context}")`, { cause: err });
  }
  // A network failure carries the socket's error code (ECONNREFUSED, ...) on its cause.
  const net = networkCause(err);
  if (!net) {
    // Not a network failure: the client refused to send (e.g. its TLS or auth settings).
    return new ClusterRequestError(0, `listing ${name} from ${server} failed: ${failureText(err)} (context "${context}")`);
  }
  return new ClusterUnreachableError(server, `${net.message} (context "${context}")`, { cause: err });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// Another list failed and aborted the shared signal: retrying this one is pointless.
const cancelled = (err: unknown) => (err as Error)?.name === 'AbortError' || /aborted/i.test(String((err as Error)?.message));

/**
 * All items of a list, page by page, each page cut down to the model at once (10,000 raw pods
 * would otherwise sit in memory together); restarts when the server expires the continue token.
 */
async function listAll<T, R>(fetch: PageFetcher<T>, map: (item: T) => R, pageSize: number): Promise<R[]> {
  for (let restart = 0; ; restart++) {
    const items: R[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await withRetries(() => fetch({ limit: pageSize, _continue: token }));
        for (const item of page.items) items.push(map(item));
        token = page.metadata?._continue || undefined;
      } while (token);
      return items;
    } catch (err) {
      if (err instanceof ApiException && err.code === 410 && restart < RESTARTS) continue;
      throw err;
    }
  }
}

async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!retryable(err) || attempt >= RETRIES || cancelled(err)) throw err;
      await sleep(Math.min(retryAfterMs(err) ?? 250 * 2 ** attempt, 5000));
    }
  }
}

/** Reads nodes, pods, workloads, PDBs and volumes of the current context; changes nothing. */
export async function fetchSnapshot(kc: KubeConfig, options: SnapshotOptions = {}): Promise<ClusterSnapshot> {
  const { requestTimeoutMs, pageSize } = { ...DEFAULTS, ...options };
  const cluster = kc.getCurrentCluster();
  const server = cluster?.server ?? '(no server)';
  const context = kc.getCurrentContext();
  const cancel = new AbortController();
  const config = apiConfiguration(kc, server, requestTimeoutMs, cancel.signal);
  const core = new CoreV1Api(config);
  const apps = new AppsV1Api(config);
  const policy = new PolicyV1Api(config);

  const itemPage = <T, R>(path: string, convertItem: (item: T) => R) => async (p: { limit: number; _continue?: string }): Promise<Page<R>> => {
    const items: R[] = [];
    const signal = requestSignal(cancel.signal, requestTimeoutMs);
    // The server's JSON has the client's field names; its dates stay strings, which the model only tests for presence.
    const { _continue } = await readItemPage(kc, path, p, (item) => items.push(convertItem(item as T)), signal);
    return { items, metadata: _continue ? { _continue } : {} };
  };
  const list = async <T, R>(r: Resource, fetch: PageFetcher<T>, map: (item: T) => R): Promise<R[]> => {
    try {
      return await listAll(fetch, map, pageSize);
    } catch (err) {
      cancel.abort();
      throw explainFailure(err, r, server, context, requestTimeoutMs);
    }
  };

  const [nodes, pods, deployments, statefulSets, daemonSets, replicaSets, pdbs, pvs, pvcs] = await Promise.all([
    list({ plural: 'nodes', group: '' }, itemPage('/api/v1/nodes', convert.toNode), (node: NodeInfo) => node),
    list({ plural: 'pods', group: '' }, itemPage('/api/v1/pods', convert.toPod), (pod: PodInfo) => pod),
    list({ plural: 'deployments', group: 'apps' }, (p) => apps.listDeploymentForAllNamespaces(p), convert.toDeployment),
    list({ plural: 'statefulsets', group: 'apps' }, (p) => apps.listStatefulSetForAllNamespaces(p), convert.toStatefulSet),
    list({ plural: 'daemonsets', group: 'apps' }, (p) => apps.listDaemonSetForAllNamespaces(p), convert.toDaemonSet),
    list({ plural: 'replicasets', group: 'apps' }, (p) => apps.listReplicaSetForAllNamespaces(p), convert.toReplicaSet),
    list({ plural: 'poddisruptionbudgets', group: 'policy' }, (p) => policy.listPodDisruptionBudgetForAllNamespaces(p), convert.toPdb),
    list({ plural: 'persistentvolumes', group: '' }, (p) => core.listPersistentVolume(p), convert.toPv),
    list({ plural: 'persistentvolumeclaims', group: '' }, (p) => core.listPersistentVolumeClaimForAllNamespaces(p), convert.toPvc),
  ]);

  return {
    takenAt: new Date().toISOString(),
    server,
    context: context || undefined,
    nodes,
    pods,
    workloads: [...deployments, ...statefulSets, ...daemonSets, ...replicaSets],
    pdbs,
    pvs,
    pvcs,
  };
}
