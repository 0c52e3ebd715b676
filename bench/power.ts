import * as k8s from '@kubernetes/client-node';
import { abortRun, waitForPhase } from '../client/drills.js';
import { markAnnotations, TAINT_KEY } from '../activities/faults/marks.js';
import { sleep } from '../activities/kube/retry.js';
import type { DrillResult } from '../report/result.js';
import { startBenchDrill, type DrillCtx } from './drills.js';
import { benchSpec, httpProbe } from './spec.js';
import { zoneNodes } from './kube.js';
import { abortTimeline, type TimelineEvent } from './abort-timeline.js';
import { summarizePower, type PowerBenchResult, type PowerRound } from './power-summary.js';

export type { PowerBenchResult, PowerRound } from './power-summary.js';

// Power cut: how fast a `power-loss` drill taints every node of the zone (last taint seen minus
// the first), against a raw parallel patch of the same nodes in the same run (one list, then
// every patch at once, nothing else); then abort → every node untainted and uncordoned. Both
// spreads are seen by one watch on the nodes, so the measurement is the same for both.

const RAW_TAINT = 'firedrill.dev/bench-raw-power';

interface NodeWatch {
  /** First time each node was seen with a taint of `key` (and, after that, without it and schedulable). */
  seen(key: string): Map<string, number>;
  cleared(key: string): Map<string, number>;
  /** Forgets what was seen of `key`. */
  reset(key: string): void;
  stop(): void;
}

async function watchNodes(kc: k8s.KubeConfig, nodes: Set<string>): Promise<NodeWatch> {
  const tainted = new Map<string, Map<string, number>>();
  const cleared = new Map<string, Map<string, number>>();
  const of = (m: Map<string, Map<string, number>>, key: string) => m.get(key) ?? m.set(key, new Map()).get(key)!;
  const see = (node: k8s.V1Node) => {
    const name = node.metadata?.name ?? '';
    if (!nodes.has(name)) return;
    const now = Date.now();
    const keys = new Set((node.spec?.taints ?? []).map((t) => t.key));
    for (const key of [TAINT_KEY, RAW_TAINT, RAW_MARKED_TAINT]) {
      if (keys.has(key)) { if (!of(tainted, key).has(name)) of(tainted, key).set(name, now); } else if (of(tainted, key).has(name) && !node.spec?.unschedulable && !of(cleared, key).has(name)) {
        of(cleared, key).set(name, now);
      }
    }
  };
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let req: AbortController | undefined;
  let stopped = false;
  // kwok's node heartbeats keep the watch busy; when it ends anyway, a fresh list (seen as of
  // then) and a new watch continue it.
  const open = async (): Promise<void> => {
    const list = await core.listNode({});
    for (const n of list.items) see(n);
    if (stopped) return;
    req = await new k8s.Watch(kc).watch('/api/v1/nodes', { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type: string, node: k8s.V1Node) => { if (type !== 'BOOKMARK') see(node); },
      () => { if (!stopped) void open().catch(() => undefined); });
  };
  await open();
  return {
    seen: (k) => of(tainted, k), cleared: (k) => of(cleared, k),
    reset: (k) => { tainted.delete(k); cleared.delete(k); },
    stop: () => { stopped = true; req?.abort(); },
  };
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`power: ${what} not seen within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

const spread = (m: Map<string, number>) => Math.max(...m.values()) - Math.min(...m.values());

/**
 * The lower bound: one list, then every node patched at once, nothing else; then undone.
 * `plain` adds a NoSchedule taint only. `same-change` makes the change a power-loss drill makes
 * (cordon, a NoExecute taint, a label and annotations of the marks' keys and sizes under another
 * prefix, a field manager), so the difference to firedrill is firedrill's own, not the change's.
 */
async function rawPowerCut(kc: k8s.KubeConfig, nodes: string[], watch: NodeWatch, kind: 'plain' | 'same-change'): Promise<{ spreadMs: number; totalMs: number }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const key = kind === 'plain' ? RAW_TAINT : RAW_MARKED_TAINT;
  const t = Date.now();
  const byName = new Map((await core.listNode({})).items.map((n) => [n.metadata?.name ?? '', n]));
  const patch = (name: string, add: boolean) => {
    const node = byName.get(name);
    const taints = (node?.spec?.taints ?? []).filter((x) => x.key !== key);
    if (kind === 'plain') {
      return core.patchNode({ name, body: { spec: { taints: add ? [...taints, { key, effect: 'NoSchedule' }] : (taints.length ? taints : null) } } }, merge);
    }
    const ann = benchMarkAnnotations(node);
    const body = add
      ? { metadata: { labels: { [RAW_MARKED_LABEL]: BENCH_RUN }, annotations: ann }, spec: { unschedulable: true, taints: [...taints, { key, value: BENCH_RUN, effect: 'NoExecute' }] } }
      : { metadata: { labels: { [RAW_MARKED_LABEL]: null }, annotations: Object.fromEntries(Object.keys(ann).map((k) => [k, null])) }, spec: { unschedulable: null, taints: taints.length ? taints : null } };
    return core.patchNode({ name, body, fieldManager: 'firedrill-bench' }, merge);
  };
  // A change left by an interrupted earlier run would be "seen" before the cut: undone first.
  const left = nodes.filter((n) => byName.get(n)?.spec?.taints?.some((x) => x.key === key));
  if (left.length) {
    await Promise.all(left.map((n) => patch(n, false)));
    await sleep(1000);
  }
  watch.reset(key);
  const t0 = Date.now();
  try {
    await Promise.all(nodes.map((n) => patch(n, true)));
    await until(() => watch.seen(key).size === nodes.length, 30_000, `every raw ${kind} taint`);
  } finally {
    await Promise.all(nodes.map((n) => patch(n, false)));
  }
  const seen = watch.seen(key);
  return { spreadMs: spread(seen), totalMs: Math.max(...seen.values()) - (left.length ? t0 : t) };
}

const RAW_MARKED_TAINT = 'firedrill.dev/bench-raw-loss';
const RAW_MARKED_LABEL = 'bench.firedrill.dev/run';
const BENCH_RUN = '0192f3a4-5b6c-7d8e-9f00-000000000000';

/** Annotations of the marks' sizes (the node's own prior state) under a prefix no janitor reads. */
export function benchMarkAnnotations(node: k8s.V1Node | undefined): Record<string, string> {
  const real = markAnnotations({
    runId: BENCH_RUN, workflowId: 'bench-power-raw-0000000000000', actions: ['cordon', 'taint'],
    prior: {
      unschedulable: false,
      taints: (node?.spec?.taints ?? []).map((x) => ({ key: x.key, ...(x.value !== undefined ? { value: x.value } : {}), effect: x.effect })),
      labels: { ...node?.metadata?.labels },
    },
    owner: { namespace: 'default', taskQueue: 'firedrill-bench-power', cluster: '00000000-0000-0000-0000-000000000000' },
    restoreBy: new Date().toISOString(), markedAt: new Date().toISOString(), nodeUid: node?.metadata?.uid ?? '',
  });
  return Object.fromEntries(Object.entries(real).map(([k, v]) => [k.replace(/^firedrill\.dev\//, 'bench.firedrill.dev/'), v]));
}

/** DaemonSet pods back on every node of the zone: a NoExecute cut evicts them, and the next cut should find the same pods. */
async function daemonPodsBack(kc: k8s.KubeConfig, nodes: Set<string>, want: number): Promise<number> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const count = async () => (await core.listPodForAllNamespaces({})).items
    .filter((p) => nodes.has(p.spec?.nodeName ?? '') && !p.metadata?.deletionTimestamp && p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')).length;
  const deadline = Date.now() + 60_000;
  let n = await count();
  while (n < want && Date.now() < deadline) {
    await sleep(500);
    n = await count();
  }
  return n;
}

/**
 * `rounds` times: a raw plain taint, a raw patch with the drill's change, then a power-loss drill
 * aborted in its hold, interleaved so that the load of the moment weighs on all three alike.
 */
export async function benchPower(ctx: DrillCtx, probeUrl: string, rounds = 1): Promise<PowerBenchResult> {
  const zone = await zoneNodes(ctx.kc, 'zone-a');
  const watch = await watchNodes(ctx.kc, new Set(zone));
  try {
    const zoneSet = new Set(zone);
    const daemonPods = await daemonPodsBack(ctx.kc, zoneSet, 0);
    const done: PowerRound[] = [];
    for (let i = 1; i <= rounds; i++) {
      ctx.progress(`power: round ${i} of ${rounds}`);
      done.push(await powerRound(ctx, probeUrl, zone, watch, daemonPods));
    }
    const out = summarizePower(zone.length, done);
    ctx.progress(`power over ${rounds} round(s): medians raw ${out.rawSpreadMs} ms, same change ${out.rawSameChangeSpreadMs} ms, firedrill ${out.firedrillSpreadMs} ms (slowest ${out.worstFiredrillSpreadMs} ms): ${out.throughputVsRaw}x raw, ${out.throughputVsSameChange}x the same change; slowest abort → all restored ${out.abortToRestoredMs} ms`);
    return out;
  } finally {
    watch.stop();
  }
}

async function powerRound(ctx: DrillCtx, probeUrl: string, zone: string[], watch: NodeWatch, daemonPods: number): Promise<PowerRound> {
  const zoneSet = new Set(zone);
  const raw = await rawPowerCut(ctx.kc, zone, watch, 'plain');
  ctx.progress(`  raw parallel taint of ${zone.length} nodes: spread ${raw.spreadMs} ms (call to last ${raw.totalMs} ms)`);
  const same = await rawPowerCut(ctx.kc, zone, watch, 'same-change');
  let back = await daemonPodsBack(ctx.kc, zoneSet, daemonPods);
  ctx.progress(`  raw parallel patch with the drill's change (cordon, NoExecute taint, marks' bytes): spread ${same.spreadMs} ms (call to last ${same.totalMs} ms); ${back}/${daemonPods} DaemonSet pods back`);
  watch.reset(TAINT_KEY);
  const { spec, sha256 } = benchSpec({
    name: 'bench-power', target: '{ type: zone, zone: zone-a }',
    // An instant cut: every node's patch in flight at once (fault.concurrency bounds them).
    fault: `{ mode: power-loss, concurrency: ${Math.min(500, zone.length)} }`,
    timing: '{ hold: 30m, maxDuration: 40m }', probes: [httpProbe('ok', probeUrl)],
    safety: `{ maxNodes: ${Math.max(100, zone.length)}, maxFraction: 0.5, protectedNamespaces: [kube-system] }`,
  });
  const handle = await startBenchDrill(ctx, spec, sha256);
  // A drill that ends before its hold (refused, failed) says why instead of a bare timeout.
  const endedEarly = (handle.result() as Promise<DrillResult>).then((r) => {
    throw new Error(`power: the drill ended (${r.outcome}: ${r.outcomeReason}) with ${watch.seen(TAINT_KEY).size}/${zone.length} nodes seen tainted`);
  });
  endedEarly.catch(() => undefined);
  await Promise.race([(async () => {
    await waitForPhase(handle, 'hold', 180_000);
    await until(() => watch.seen(TAINT_KEY).size === zone.length, 30_000, 'every power-loss taint');
  })(), endedEarly]);
  const seen = watch.seen(TAINT_KEY);
  await sleep(2000);
  const t = Date.now();
  await abortRun(ctx.client, handle.workflowId, 'bench', 'benchmark: power-cut restore latency');
  await until(() => watch.cleared(TAINT_KEY).size === zone.length, 60_000, 'every node restored');
  const restoredAt = Math.max(...watch.cleared(TAINT_KEY).values());
  const r = (await handle.result()) as DrillResult;
  const timeline = abortTimeline(((await handle.fetchHistory()).events ?? []) as TimelineEvent[]);
  const injectAt = r.injection?.injectStartedAt ? Date.parse(r.injection.injectStartedAt) : NaN;
  const out: PowerRound = {
    rawSpreadMs: raw.spreadMs,
    rawTotalMs: raw.totalMs,
    rawSameChangeSpreadMs: same.spreadMs,
    firedrillSpreadMs: spread(seen),
    firedrillSinceInjectMs: Number.isFinite(injectAt) ? Math.max(...seen.values()) - injectAt : null,
    abortToRestoredMs: restoredAt - t,
    abortToRestoreEndedMs: r.restore?.endedAt ? Date.parse(r.restore.endedAt) - t : NaN,
    abortTimeline: timeline,
    outcome: r.outcome,
  };
  ctx.progress(`  firedrill power-loss: spread ${out.firedrillSpreadMs} ms (inject start to last ${out.firedrillSinceInjectMs} ms); abort → all restored ${out.abortToRestoredMs} ms`);
  if (timeline) ctx.progress(`  after the abort signal: hold activities asked to stop ${timeline.cancelRequestedMs} ms, stopped ${timeline.holdActivitiesEndedMs} ms; restore scheduled ${timeline.restoreScheduledMs} ms, started ${timeline.restoreStartedMs} ms, completed ${timeline.restoreCompletedMs} ms`);
  // The drill's NoExecute taint evicted the zone's DaemonSet pods: the next round finds them back.
  back = await daemonPodsBack(ctx.kc, zoneSet, daemonPods);
  if (back < daemonPods) ctx.progress(`  ${back}/${daemonPods} DaemonSet pods back after the drill`);
  return out;
}
