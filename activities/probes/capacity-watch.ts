import * as k8s from '@kubernetes/client-node';
import type { WorkloadRef } from '../../drills/schema/index.js';
import { readItemPage } from '../kube/item-pages.js';
import { failureText, isTransient } from '../kube/retry.js';
import { capacityOf, podSlim, thinObject, workloadSlim, type CapacityState, type PodSlim, type WorkloadSlim } from './capacity.js';

// Capacity is observed from watches, not polled: one list-then-watch per resource (each watched
// kind, and pods) in each kube context, whatever the number of workloads, keeping only the
// fields capacity counts. A tick reads this cache. While a watch is not in sync (before its
// first list, or from an error until the re-list and the new watch) its workloads are not
// observed: the tick is a gap, as a failed API call was when capacity was polled. Where the
// role grants list but not watch, each resource is listed once per interval instead.

export type Resource = 'deployments' | 'statefulsets' | 'replicasets' | 'daemonsets' | 'pods';

const RESOURCE: Record<WorkloadRef['kind'], Resource> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
  DaemonSet: 'daemonsets',
};

export interface WatchEvent {
  type: string;
  object: unknown;
}

/** One resource's list and watch: the real one talks to an API server, tests fake it. */
export interface WatchSource {
  list(): Promise<{ items: unknown[]; resourceVersion: string }>;
  /**
   * Resolves once the watch is established (or has already failed: then `onDone` was called
   * first). `onDone` is called once, when the watch ends: null for a normal end.
   */
  watch(resourceVersion: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void): Promise<{ abort(): void }>;
}

export interface SourceSpec {
  /** The kube context (undefined: the drilled cluster's). */
  context: string | undefined;
  resource: Resource;
  /** One namespace; undefined: all namespaces (several are watched, the others are dropped). */
  namespace: string | undefined;
}

export type WatchSourceFactory = (kc: k8s.KubeConfig, spec: SourceSpec) => WatchSource;

type List = { items: unknown[]; metadata?: { resourceVersion?: string; _continue?: string } };
type Page = { limit: number; _continue?: string };

/**
 * Items per page. Measured on 3,300–3,800 pods: one answer raised a process's VmHWM by 113 MB and
 * held 62 MB of heap; pages of 500, thinned, by about 45 MB, holding 3–5 MB (pages of 100: the same, slower).
 * Pods, the list whose pages are large, are now also parsed one at a time (kube/item-pages.ts).
 */
const LIST_PAGE = 500;

/** The API server's list and watch of a resource (group apps/v1, or core/v1 for pods). */
export const kubeWatchSource: WatchSourceFactory = (kc, { resource, namespace }) => {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const lists: Record<Exclude<Resource, 'pods'>, (p: Page) => Promise<List>> = namespace
    ? {
      deployments: (p) => apps.listNamespacedDeployment({ namespace, ...p }),
      statefulsets: (p) => apps.listNamespacedStatefulSet({ namespace, ...p }),
      replicasets: (p) => apps.listNamespacedReplicaSet({ namespace, ...p }),
      daemonsets: (p) => apps.listNamespacedDaemonSet({ namespace, ...p }),
    }
    : {
      deployments: (p) => apps.listDeploymentForAllNamespaces(p),
      statefulsets: (p) => apps.listStatefulSetForAllNamespaces(p),
      replicasets: (p) => apps.listReplicaSetForAllNamespaces(p),
      daemonsets: (p) => apps.listDaemonSetForAllNamespaces(p),
    };
  const path = `${resource === 'pods' ? '/api/v1' : '/apis/apps/v1'}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${resource}`;
  // A page of pods is thinned item by item as it streams in: neither its text nor its objects are
  // ever whole in memory. The server's JSON has the client's field names; its dates stay strings,
  // which capacity only tests for presence.
  const page = async (p: Page, keep: (o: unknown) => void): Promise<{ resourceVersion?: string; _continue?: string }> => {
    if (resource === 'pods') return readItemPage(kc, path, p, keep);
    const listed = await lists[resource](p);
    for (const o of listed.items) keep(o);
    return { ...(listed.metadata?.resourceVersion ? { resourceVersion: listed.metadata.resourceVersion } : {}), ...(listed.metadata?._continue ? { _continue: listed.metadata._continue } : {}) };
  };
  const watch = new k8s.Watch(kc);
  return {
    async list() {
      // Page by page, each object cut to what capacity reads before the next page comes; every
      // page of one list has the resource version of its first (the watch resumes from it).
      const items: unknown[] = [];
      let resourceVersion = '';
      let cont: string | undefined;
      do {
        const res = await page({ limit: LIST_PAGE, ...(cont ? { _continue: cont } : {}) }, (o) => items.push(thinObject(o)));
        resourceVersion ||= res.resourceVersion ?? '';
        cont = res._continue || undefined;
      } while (cont);
      return { items, resourceVersion };
    },
    async watch(resourceVersion, onEvent, onDone) {
      const controller = await watch.watch(path, { resourceVersion, allowWatchBookmarks: true }, (type: string, object: unknown) => onEvent({ type, object }), onDone);
      return { abort: () => controller.abort() };
    },
  };
};

/** Retry delays after a failed list or watch: short, so a gap ends soon after the API is back. */
export const RELIST_BASE_MS = 250;
export const RELIST_MAX_MS = 4_000;
const STOP_WAIT_MS = 2_000;

interface Failure {
  text: string;
  /** Throttling, 5xx, a lost connection: says nothing about the workload. */
  transient: boolean;
}

function failureOf(what: string, err: unknown): Failure {
  // A failed watch request carries its HTTP status as statusCode, not as an ApiException.
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  const transient = typeof status === 'number' ? status === 429 || status === 410 || status >= 500 : isTransient(err);
  const code = typeof status === 'number' ? ` (HTTP ${status})` : '';
  return { text: `${what}: ${failureText(err)}${code}`.slice(0, 160), transient };
}

// The watch client's own inactivity timeout: the watch is resumed from its resource version.
const isInactivity = (err: unknown) => (err as { name?: unknown } | null)?.name === 'TimeoutError';

type Meta = { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };
const keyOf = (o: unknown) => `${(o as Meta).metadata?.namespace ?? ''}/${(o as Meta).metadata?.name ?? ''}`;

/** A list-then-watch keeping one slim value per object of the namespaces it is for. */
export class Informer<T> {
  private objects = new Map<string, T>();
  private rv = '';
  private stopped = false;
  private handle: { abort(): void } | undefined;
  private wake: (() => void) | undefined;
  private syncWaiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  /** The role grants list but not watch: every interval's list is the observation. */
  private listOnly = false;
  /** In sync: listed, and the watch that follows the list is open. */
  synced = false;
  /** Why it is not in sync, when it failed. */
  lastError: Failure | undefined;

  constructor(
    private readonly source: WatchSource,
    private readonly what: string,
    private readonly namespaces: Set<string>,
    private readonly slim: (o: unknown) => T,
    private readonly pollMs = 1_000,
  ) {}

  start(): void {
    this.running ??= this.run().catch(() => undefined);
  }

  /** Stops the watch and any retry; resolves when nothing of it runs any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.synced = false;
    this.handle?.abort();
    this.wake?.();
    this.releaseWaiters();
    // A list already sent cannot be called back: do not wait on it for long, it ends unused.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((r) => { timer = setTimeout(r, STOP_WAIT_MS); })]);
    clearTimeout(timer);
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  values(): IterableIterator<T> {
    return this.objects.values();
  }

  /** Resolves at the next sync (at once when in sync, or stopped). */
  whenSynced(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private markSynced(): void {
    this.synced = true;
    this.lastError = undefined;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private put(o: unknown): void {
    const ns = (o as Meta).metadata?.namespace ?? '';
    if (this.namespaces.has(ns)) this.objects.set(keyOf(o), this.slim(o));
  }

  private async run(): Promise<void> {
    let delay = RELIST_BASE_MS;
    while (!this.stopped) {
      const openedAt = Date.now();
      let ended: { err: unknown; opened: boolean };
      let step = 'list';
      try {
        if (!this.rv || this.listOnly) {
          const l = await this.source.list();
          if (this.stopped) break;
          this.objects = new Map();
          for (const o of l.items) this.put(o);
          this.rv = l.resourceVersion;
        }
        if (this.listOnly) {
          this.markSynced();
          delay = RELIST_BASE_MS;
          await this.sleep(this.pollMs);
          continue;
        }
        step = 'watch';
        ended = await this.watchOnce();
      } catch (err) {
        ended = { err, opened: false };
      }
      if (this.stopped) break;
      if (step === 'watch' && (ended.err as { statusCode?: unknown } | null)?.statusCode === 403) {
        // A role that grants list but not watch: poll by listing instead, still one request
        // per resource and interval rather than two per workload.
        this.listOnly = true;
        continue;
      }
      if (ended.opened) delay = RELIST_BASE_MS;
      if (ended.err === undefined) {
        // Ended normally, or idle past the client's timeout: resume from the resource version,
        // still in sync; a watch that keeps ending at once is retried with a delay.
        if (Date.now() - openedAt < 1_000) await this.sleep(RELIST_BASE_MS);
        continue;
      }
      this.synced = false;
      this.rv = '';
      this.lastError = failureOf(`${step} ${this.what}`, ended.err);
      await this.sleep(delay);
      delay = Math.min(delay * 2, RELIST_MAX_MS);
    }
    this.synced = false;
  }

  /** One watch from the current resource version: err undefined when it ended normally; opened once established. */
  private async watchOnce(): Promise<{ err: unknown; opened: boolean }> {
    let finish: (err: unknown) => void = () => undefined;
    const done = new Promise<unknown>((resolve) => { finish = resolve; });
    let over = false;
    let expired: unknown;
    const onEvent = (e: WatchEvent) => {
      if (over) return;
      if (e.type === 'ERROR') {
        // Usually 410 Gone: the resource version is too old to resume from; re-list.
        const status = e.object as { code?: number; message?: string };
        expired = Object.assign(new Error(status.message ?? 'watch error event'), { statusCode: status.code ?? 500 });
        this.synced = false;
        this.lastError = failureOf(`watch ${this.what}`, expired);
        over = true;
        this.handle?.abort();
        finish(expired);
        return;
      }
      const rv = (e.object as Meta).metadata?.resourceVersion;
      if (e.type === 'ADDED' || e.type === 'MODIFIED') this.put(e.object);
      else if (e.type === 'DELETED') this.objects.delete(keyOf(e.object));
      if (rv) this.rv = rv;
    };
    const onDone = (err: unknown) => {
      if (over) return;
      over = true;
      const failed = err !== null && err !== undefined && !isInactivity(err);
      // Out of sync from the error on, not from when the loop gets round to it; a watch the
      // role forbids is not a failure, the loop lists instead.
      if (failed && !this.stopped && (err as { statusCode?: unknown }).statusCode !== 403) {
        this.synced = false;
        this.lastError = failureOf(`watch ${this.what}`, err);
      }
      finish(failed ? err : undefined);
    };
    this.handle = await this.source.watch(this.rv, onEvent, onDone);
    const opened = !over && !this.stopped;
    // Stopped meanwhile, or ended by an error event before the call returned: close it here.
    if (this.stopped || expired) this.handle.abort();
    if (opened) this.markSynced();
    const result = await done;
    over = true;
    this.handle = undefined;
    return { err: expired ?? result, opened };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }
}

export interface CapacityWatcherOptions {
  kc: k8s.KubeConfig;
  workloads: Array<WorkloadRef & { context?: string }>;
  /** A watched workload that names a context (a standby's counterpart) is watched there. */
  kubeFor?: (context?: string) => k8s.KubeConfig;
  sources?: WatchSourceFactory;
  /** The capacity interval: how often to list where watching is not allowed. */
  intervalMs?: number;
}

interface ContextWatch {
  workloads: Map<WorkloadRef['kind'], Informer<WorkloadSlim>>;
  pods: Informer<PodSlim>;
}

/** The watches of one observation's capacity: start them, read them each tick, stop them at the end. */
export class CapacityWatcher {
  private readonly contexts = new Map<string | undefined, ContextWatch>();
  private readonly all: Array<Informer<unknown>> = [];

  constructor(private readonly opts: CapacityWatcherOptions) {
    const sources = opts.sources ?? kubeWatchSource;
    const byContext = new Map<string | undefined, Array<WorkloadRef & { context?: string }>>();
    for (const w of opts.workloads) {
      const key = opts.kubeFor ? w.context : undefined;
      const list = byContext.get(key);
      if (list) list.push(w);
      else byContext.set(key, [w]);
    }
    for (const [context, ws] of byContext) {
      const kc = context !== undefined && opts.kubeFor ? opts.kubeFor(context) : opts.kc;
      const make = <T>(resource: Resource, namespaces: Set<string>, slim: (o: unknown) => T) => {
        // One namespace is watched as such; several by one watch of all namespaces, since a
        // selector cannot name a set of namespaces.
        const namespace = namespaces.size === 1 ? [...namespaces][0] : undefined;
        const where = namespace ? ` in ${namespace}` : '';
        const inf = new Informer(sources(kc, { context, resource, namespace }), `${resource}${where}${context ? ` (${context})` : ''}`, namespaces, slim, opts.intervalMs);
        this.all.push(inf as Informer<unknown>);
        return inf;
      };
      const workloads = new Map<WorkloadRef['kind'], Informer<WorkloadSlim>>();
      for (const kind of new Set(ws.map((w) => w.kind))) {
        const namespaces = new Set(ws.filter((w) => w.kind === kind).map((w) => w.namespace));
        workloads.set(kind, make(RESOURCE[kind], namespaces, (o) => workloadSlim(kind, o)));
      }
      this.contexts.set(context, { workloads, pods: make('pods', new Set(ws.map((w) => w.namespace)), podSlim) });
    }
  }

  start(): void {
    for (const i of this.all) i.start();
  }

  /** Resolves when every watch is in sync, after `timeoutMs`, or on `signal`, whichever is first. */
  async whenSynced(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    await Promise.race([
      Promise.all(this.all.map((i) => i.whenSynced())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        onAbort = resolve;
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }

  /** Each workload's capacity now, from the watches' cache; no API call. */
  states(targetNodes: Set<string>): CapacityState[] {
    const podsByNamespace = new Map<ContextWatch, Map<string, PodSlim[]>>();
    return this.opts.workloads.map((w): CapacityState => {
      const c = this.contexts.get(this.opts.kubeFor ? w.context : undefined) as ContextWatch;
      const inf = c.workloads.get(w.kind) as Informer<WorkloadSlim>;
      const down = [inf, c.pods].find((i) => !i.synced);
      if (down) {
        const e = down.lastError;
        // Refused (forbidden, not found) is an answer, as a refused read was; the rest is no observation.
        return { workload: w, desired: 0, readyOutside: 0, recovered: false, error: e?.text ?? `${down === inf ? RESOURCE[w.kind] : 'pods'}: not in sync yet`, ...(e && !e.transient ? {} : { unknown: true }) };
      }
      const obj = inf.get(w.namespace, w.name);
      if (!obj) return { workload: w, desired: 0, readyOutside: 0, recovered: false, error: `${w.kind} ${w.namespace}/${w.name} not found` };
      let byNs = podsByNamespace.get(c);
      if (!byNs) {
        byNs = new Map();
        for (const p of c.pods.values()) {
          const list = byNs.get(p.namespace);
          if (list) list.push(p);
          else byNs.set(p.namespace, [p]);
        }
        podsByNamespace.set(c, byNs);
      }
      return capacityOf(w, obj, byNs.get(w.namespace) ?? [], targetNodes);
    });
  }

  /** Stops every watch; resolves when none runs any more. */
  async stop(): Promise<void> {
    await Promise.all(this.all.map((i) => i.stop()));
  }
}
