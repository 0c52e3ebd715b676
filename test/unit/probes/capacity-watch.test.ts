import * as k8s from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CapacityWatcher, type SourceSpec, type WatchEvent, type WatchSource, type WatchSourceFactory } from '../../../activities/probes/capacity-watch.js';
import { createObserve, type ObserveResult } from '../../../activities/probes/observe.js';
import type { WorkloadRef } from '../../../drills/schema/index.js';

// Capacity from watches: a fake API server per resource that lists, watches, and can fail
// either. What a tick reads is the cache the events keep; a watch out of sync is no observation.

type Obj = { metadata: { namespace: string; name: string; resourceVersion?: string; labels?: Record<string, string> }; spec?: unknown; status?: unknown };

class FakeSource implements WatchSource {
  lists = 0;
  watches = 0;
  private rv = 1;
  private readonly objects = new Map<string, Obj>();
  /** Errors the next lists throw, in order. */
  readonly listFailures: unknown[] = [];
  /** The role grants list but not watch. */
  forbidWatch = false;
  private open: { onEvent: (e: WatchEvent) => void; onDone: (err: unknown) => void } | undefined;

  constructor(readonly spec: SourceSpec, initial: Obj[] = []) {
    for (const o of initial) this.objects.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  }

  get watching(): boolean {
    return this.open !== undefined;
  }

  async list() {
    this.lists++;
    const err = this.listFailures.shift();
    if (err) throw err;
    return { items: [...this.objects.values()].map((o) => structuredClone(o)), resourceVersion: String(this.rv) };
  }

  async watch(_rv: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void) {
    this.watches++;
    if (this.forbidWatch) {
      onDone(Object.assign(new Error('Forbidden'), { statusCode: 403 }));
      return { abort: () => undefined };
    }
    const w = { onEvent, onDone };
    this.open = w;
    return {
      abort: () => {
        if (this.open !== w) return;
        this.open = undefined;
        onDone(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }));
      },
    };
  }

  /** A change on the server, sent to the open watch (if any). */
  change(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj): void {
    const k = `${o.metadata.namespace}/${o.metadata.name}`;
    this.rv++;
    const sent = { ...o, metadata: { ...o.metadata, resourceVersion: String(this.rv) } };
    if (type === 'DELETED') this.objects.delete(k);
    else this.objects.set(k, sent);
    this.open?.onEvent({ type, object: structuredClone(sent) });
  }

  /** The watch stream sends an ERROR event (410 Gone: too old a resource version). */
  expire(): void {
    this.open?.onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } });
  }

  /** The watch connection fails. */
  cut(err: unknown = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })): void {
    const w = this.open;
    this.open = undefined;
    w?.onDone(err);
  }
}

const deployment = (namespace: string, name: string, replicas: number): Obj => ({
  metadata: { namespace, name },
  spec: { replicas, selector: { matchLabels: { app: name } } },
});

const pod = (namespace: string, app: string, name: string, node: string, ready: boolean): Obj => ({
  metadata: { namespace, name, labels: { app } },
  spec: { nodeName: node },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

/** A fake API server: the sources the watcher asks for, with each resource's objects. */
function fakeApi(objects: (spec: SourceSpec) => Obj[] = () => []) {
  const sources: FakeSource[] = [];
  const factory: WatchSourceFactory = (_kc, spec) => {
    const s = new FakeSource(spec, objects(spec));
    sources.push(s);
    return s;
  };
  const find = (resource: SourceSpec['resource'], context?: string) => {
    const s = sources.find((x) => x.spec.resource === resource && x.spec.context === context);
    if (!s) throw new Error(`no ${resource} source for context ${context}`);
    return s;
  };
  return { sources, factory, find };
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const kc = new k8s.KubeConfig();
const web: WorkloadRef = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const api: WorkloadRef = { kind: 'Deployment', namespace: 'shop', name: 'api' };
const target = new Set(['node-t']);
const started: CapacityWatcher[] = [];

function watcherFor(workloads: Array<WorkloadRef & { context?: string }>, sources: WatchSourceFactory, kubeFor?: (c?: string) => k8s.KubeConfig, intervalMs?: number) {
  const w = new CapacityWatcher({ kc, workloads, sources, ...(kubeFor ? { kubeFor } : {}), ...(intervalMs ? { intervalMs } : {}) });
  started.push(w);
  w.start();
  return w;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop()));
});

const summary = (w: CapacityWatcher) => w.states(target).map((s) => ({ name: s.workload.name, desired: s.desired, readyOutside: s.readyOutside, recovered: s.recovered, unknown: s.unknown ?? false }));

describe('capacity observed from watches', () => {
  it('ready changes are observed from the watch events, with no further list', async () => {
    const fake = fakeApi((s) => s.resource === 'deployments'
      ? [deployment('shop', 'web', 2), deployment('shop', 'api', 1)]
      : [pod('shop', 'web', 'web-1', 'node-t', true), pod('shop', 'web', 'web-2', 'node-a', true), pod('shop', 'api', 'api-1', 'node-b', false)]);
    const w = watcherFor([web, api], fake.factory);
    await w.whenSynced(5_000);
    expect(summary(w)).toEqual([
      { name: 'web', desired: 2, readyOutside: 1, recovered: false, unknown: false },
      { name: 'api', desired: 1, readyOutside: 0, recovered: false, unknown: false },
    ]);

    const pods = fake.find('pods');
    // The target's pod is replaced by one outside it, which becomes ready; api's pod becomes ready.
    pods.change('DELETED', pod('shop', 'web', 'web-1', 'node-t', true));
    pods.change('ADDED', pod('shop', 'web', 'web-3', 'node-c', false));
    expect(summary(w)[0]).toMatchObject({ readyOutside: 1, recovered: false });
    pods.change('MODIFIED', pod('shop', 'web', 'web-3', 'node-c', true));
    pods.change('MODIFIED', pod('shop', 'api', 'api-1', 'node-b', true));
    expect(summary(w)).toEqual([
      { name: 'web', desired: 2, readyOutside: 2, recovered: true, unknown: false },
      { name: 'api', desired: 1, readyOutside: 1, recovered: true, unknown: false },
    ]);
    // A scale-up is seen too, from the Deployment's own events.
    fake.find('deployments').change('MODIFIED', deployment('shop', 'web', 3));
    expect(summary(w)[0]).toMatchObject({ desired: 3, readyOutside: 2, recovered: false });
    // A pod being deleted is not ready, whatever its conditions say.
    pods.change('MODIFIED', { ...pod('shop', 'api', 'api-1', 'node-b', true), metadata: { namespace: 'shop', name: 'api-1', labels: { app: 'api' }, deletionTimestamp: '2026-01-01T00:00:00Z' } as Obj['metadata'] });
    expect(summary(w)[1]).toMatchObject({ readyOutside: 0, recovered: false });

    expect(fake.sources.map((s) => [s.spec.resource, s.lists, s.watches])).toEqual([['deployments', 1, 1], ['pods', 1, 1]]);
  });

  it('a watch error is a gap until the re-list: no observation, then the state listed afresh', async () => {
    const fake = fakeApi((s) => s.resource === 'deployments' ? [deployment('shop', 'web', 1)] : [pod('shop', 'web', 'web-1', 'node-a', true)]);
    const w = watcherFor([web], fake.factory);
    await w.whenSynced(5_000);
    expect(summary(w)[0]).toMatchObject({ readyOutside: 1, recovered: true, unknown: false });

    const pods = fake.find('pods');
    // The next list fails too (the API is still away): the gap lasts until a list succeeds.
    pods.listFailures.push(new k8s.ApiException(503, 'Service Unavailable', '{}', {}));
    pods.cut();
    const during = w.states(target)[0];
    expect(during).toMatchObject({ unknown: true, recovered: false });
    expect(during?.error).toMatch(/^watch pods in shop: read ECONNRESET/);
    // Meanwhile the pod went away; the watch that was down did not see it.
    pods.change('DELETED', pod('shop', 'web', 'web-1', 'node-a', true));
    await until('the failed re-list', () => pods.lists === 2);
    expect(w.states(target)[0]).toMatchObject({ unknown: true });
    expect(w.states(target)[0]?.error).toMatch(/^list pods in shop: /);

    await until('the watch back in sync', () => pods.lists === 3 && pods.watching);
    await w.whenSynced(5_000);
    expect(summary(w)[0]).toEqual({ name: 'web', desired: 1, readyOutside: 0, recovered: false, unknown: false });
    // The Deployment's own watch never failed: it was not listed again.
    expect(fake.find('deployments').lists).toBe(1);
  });

  it('an expired watch (410 Gone) is re-listed, and a refusal is a failed observation, not a gap', async () => {
    const fake = fakeApi((s) => s.resource === 'deployments' ? [deployment('shop', 'web', 1)] : [pod('shop', 'web', 'web-1', 'node-a', true)]);
    const w = watcherFor([web], fake.factory);
    await w.whenSynced(5_000);
    const deployments = fake.find('deployments');
    deployments.expire();
    expect(w.states(target)[0]).toMatchObject({ unknown: true });
    await until('the re-list after 410', () => deployments.lists === 2 && deployments.watching);
    await w.whenSynced(5_000);
    expect(summary(w)[0]).toMatchObject({ recovered: true, unknown: false });

    // Forbidden: the API answered, as a refused read did when capacity was polled.
    deployments.listFailures.push(new k8s.ApiException(403, 'Forbidden', '{}', {}));
    deployments.cut();
    await until('the refused list', () => deployments.lists === 3);
    const refused = w.states(target)[0];
    expect(refused?.unknown).toBeUndefined();
    expect(refused).toMatchObject({ recovered: false });
    expect(refused?.error).toMatch(/^list deployments in shop: /);

    // A workload the cache does not have is not found, also an answer.
    await until('back in sync', () => deployments.lists === 4 && deployments.watching);
    deployments.change('DELETED', deployment('shop', 'web', 1));
    expect(w.states(target)[0]).toMatchObject({ recovered: false, error: 'Deployment shop/web not found' });
  });

  it('where the role does not grant watch, each interval lists once per resource instead', async () => {
    const fake = fakeApi((s) => s.resource === 'deployments' ? [deployment('shop', 'web', 1)] : [pod('shop', 'web', 'web-1', 'node-a', false)]);
    const forbidding: WatchSourceFactory = (k, spec) => {
      const s = fake.factory(k, spec) as FakeSource;
      s.forbidWatch = true;
      return s;
    };
    const w = watcherFor([web], forbidding, undefined, 100);
    await w.whenSynced(5_000);
    expect(summary(w)[0]).toMatchObject({ readyOutside: 0, recovered: false, unknown: false });
    const pods = fake.find('pods');
    pods.change('MODIFIED', pod('shop', 'web', 'web-1', 'node-a', true));
    await until('the next list', () => w.states(target)[0]?.recovered === true);
    const lists = pods.lists;
    const started = Date.now();
    await until('three more lists', () => pods.lists - lists >= 3);
    // One list per interval, not a tight loop: three more take at least two intervals (a lower
    // bound, which a loaded machine's late timers only widen; 10 ms short for clock rounding).
    // The watch was asked for only once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(fake.sources.map((s) => s.watches)).toEqual([1, 1]);
    expect(w.states(target)[0]?.unknown).toBeUndefined();
  });

  it('one watch per kind and kube context, however many workloads; objects of unwatched namespaces are dropped', async () => {
    const deployments = Array.from({ length: 10 }, (_, i): WorkloadRef => ({ kind: 'Deployment', namespace: i % 2 ? 'shop' : 'pay', name: `d${i}` }));
    const sets = Array.from({ length: 3 }, (_, i): WorkloadRef => ({ kind: 'StatefulSet', namespace: 'shop', name: `s${i}` }));
    const standby = [{ ...web, context: 'standby' }, { ...api, context: 'standby' }];
    const fake = fakeApi((s) => {
      if (s.resource === 'deployments') return [...deployments.map((d) => deployment(d.namespace, d.name, 1)), deployment('other', 'x', 1), deployment('shop', 'web', 1), deployment('shop', 'api', 1)];
      if (s.resource === 'statefulsets') return sets.map((d) => deployment(d.namespace, d.name, 1));
      return [pod('other', 'd0', 'p-other', 'node-a', true), pod('pay', 'd0', 'p-pay', 'node-a', true)];
    });
    const contexts = new Map<string | undefined, k8s.KubeConfig>();
    const kubeFor = (c?: string) => {
      if (!contexts.has(c)) contexts.set(c, new k8s.KubeConfig());
      return contexts.get(c) as k8s.KubeConfig;
    };
    const w = watcherFor([...deployments, ...sets, ...standby], fake.factory, kubeFor);
    await w.whenSynced(5_000);

    const specs = fake.sources.map((s) => `${s.spec.context ?? '-'} ${s.spec.resource} ${s.spec.namespace ?? '*'}`).sort();
    expect(specs).toEqual([
      '- deployments *', '- pods *', '- statefulsets shop',
      'standby deployments shop', 'standby pods shop',
    ]);
    for (const s of fake.sources) expect([s.lists, s.watches]).toEqual([1, 1]);
    const states = w.states(target);
    expect(states).toHaveLength(15);
    expect(states.every((s) => !s.unknown)).toBe(true);
    // d0's pod in 'other' matches its selector but is in a namespace nobody watches.
    expect(states.find((s) => s.workload.name === 'd0')).toMatchObject({ readyOutside: 1, recovered: true });
    // 'other' is listed by the all-namespaces watch but not kept.
    expect(states.filter((s) => s.error?.includes('not found'))).toEqual([]);
  });

  it('the observation stops its watches when it ends and when it is cancelled', async () => {
    const fake = fakeApi((s) => s.resource === 'deployments' ? [deployment('shop', 'web', 1)] : [pod('shop', 'web', 'web-1', 'node-a', true)]);
    const observe = createObserve({ kc, watchSources: fake.factory });
    const input = { mode: 'hold' as const, probes: [], durationMs: 1_200, capacity: { workloads: [web], targetNodes: ['node-t'], intervalMs: 200 } };
    const r = (await new MockActivityEnvironment().run(observe, input)) as ObserveResult;
    expect(r.capacity[0]).toMatchObject({ desired: 1, readyOutside: 1 });
    expect(r.capacity[0]?.segments.map((s) => s.healthy)).toEqual([true]);
    expect(r.capacity[0]?.segments[0]?.count).toBeGreaterThanOrEqual(4);
    expect(fake.sources).toHaveLength(2);
    expect(fake.sources.some((s) => s.watching)).toBe(false);

    // Cancelled (the end of a hold): the second attempt's watches are its own and stop too.
    const env = new MockActivityEnvironment();
    const run = env.run(observe, { ...input, durationMs: 60_000 });
    await until('the second attempt watching', () => fake.sources.length === 4 && fake.sources.slice(2).every((s) => s.watching));
    env.cancel();
    await expect(run).rejects.toThrow(/cancelled/);
    expect(fake.sources.some((s) => s.watching)).toBe(false);
    const lists = fake.sources.map((s) => s.lists);
    await new Promise((r) => setTimeout(r, 600));
    expect(fake.sources.map((s) => s.lists)).toEqual(lists);
  });

  it('a failback that watches capacity ends when the probes are steady and capacity is back, not before', async () => {
    const fake = fakeApi((s) => s.resource === 'deployments' ? [deployment('shop', 'web', 1)] : [pod('shop', 'web', 'web-1', 'node-a', false)]);
    const observe = createObserve({ kc, watchSources: fake.factory });
    // No target nodes: a replica ready anywhere counts (a whole-cluster drill after restore).
    const input = { mode: 'failback' as const, probes: [], durationMs: 20_000, stopWhenSteady: true, capacity: { workloads: [web], targetNodes: [], intervalMs: 200 } };
    const started = Date.now();
    const run = new MockActivityEnvironment().run(observe, input);
    await until('the pods watched', () => fake.sources.some((x) => x.spec.resource === 'pods' && x.watching));
    await new Promise((r) => setTimeout(r, 1_000));
    fake.find('pods').change('MODIFIED', pod('shop', 'web', 'web-1', 'node-a', true));
    const r = (await run) as ObserveResult;
    expect(r.stoppedBy).toMatchObject({ kind: 'steady', message: 'every probe holds steady state and capacity is back' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(r.capacity[0]?.segments.map((s) => s.healthy)).toEqual([false, true]);
    expect(r.capacity[0]).toMatchObject({ readyOutside: 1 });
  });
});
