import * as k8s from '@kubernetes/client-node';
import { abortRun, waitForPhase } from '../client/drills.js';
import { TAINT_KEY } from '../activities/faults/marks.js';
import { sleep } from '../activities/kube/retry.js';
import type { DrillResult } from '../report/result.js';
import { parseSpec, startBenchDrill, type DrillCtx } from './drills.js';
import { zoneNodes } from './kube.js';
import { abortTimeline, type AbortTimeline, type TimelineEvent } from './abort-timeline.js';

// Power cut: how fast a `power-loss` drill taints every node of the zone (last taint seen minus
// the first), against a raw parallel patch of the same nodes in the same run (one list, then
// every patch at once, nothing else); then abort → every node untainted and uncordoned. Both
// spreads are seen by one watch on the nodes, so the measurement is the same for both.

const RAW_TAINT = 'firedrill.dev/bench-raw-power';

export interface PowerBenchResult {
  nodes: number;
  /** Raw: first to last node seen with the taint, and call to last seen. */
  rawSpreadMs: number;
  rawTotalMs: number;
  /** firedrill: first to last node seen with its power-loss taint, and inject start to last. */
  firedrillSpreadMs: number;
  firedrillSinceInjectMs: number | null;
  /** raw spread / firedrill spread: >= 1 when firedrill is as fast. */
  throughputVsRaw: number;
  /** Abort signal → the last node seen untainted and schedulable; → result.restore.endedAt. */
  abortToRestoredMs: number;
  abortToRestoreEndedMs: number;
  /** Where that time went, from the drill's history (ms after the abort signal was recorded). */
  abortTimeline: AbortTimeline | null;
  outcome: string;
}

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
    for (const key of [TAINT_KEY, RAW_TAINT]) {
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

/** The lower bound: one list, then every node's taint patched at once; then the taint removed again. */
async function rawPowerCut(kc: k8s.KubeConfig, nodes: string[], watch: NodeWatch): Promise<{ spreadMs: number; totalMs: number }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const t = Date.now();
  const byName = new Map((await core.listNode({})).items.map((n) => [n.metadata?.name ?? '', n]));
  const patch = (name: string, add: boolean) => {
    const taints = (byName.get(name)?.spec?.taints ?? []).filter((x) => x.key !== RAW_TAINT);
    return core.patchNode({ name, body: { spec: { taints: add ? [...taints, { key: RAW_TAINT, effect: 'NoSchedule' }] : (taints.length ? taints : null) } } }, merge);
  };
  // A taint left by an interrupted earlier run would be "seen" before the cut: removed first.
  const left = nodes.filter((n) => byName.get(n)?.spec?.taints?.some((x) => x.key === RAW_TAINT));
  if (left.length) {
    await Promise.all(left.map((n) => patch(n, false)));
    await sleep(1000);
  }
  watch.reset(RAW_TAINT);
  const t0 = Date.now();
  try {
    await Promise.all(nodes.map((n) => patch(n, true)));
    await until(() => watch.seen(RAW_TAINT).size === nodes.length, 30_000, 'every raw taint');
  } finally {
    await Promise.all(nodes.map((n) => patch(n, false)));
  }
  const seen = watch.seen(RAW_TAINT);
  return { spreadMs: spread(seen), totalMs: Math.max(...seen.values()) - (left.length ? t0 : t) };
}

export async function benchPower(ctx: DrillCtx, probeUrl: string): Promise<PowerBenchResult> {
  const zone = await zoneNodes(ctx.kc, 'zone-a');
  const watch = await watchNodes(ctx.kc, new Set(zone));
  try {
    const raw = await rawPowerCut(ctx.kc, zone, watch);
    ctx.progress(`power: raw parallel taint of ${zone.length} nodes: spread ${raw.spreadMs} ms (call to last ${raw.totalMs} ms)`);
    const { spec, sha256 } = parseSpec([
      'apiVersion: firedrill.dev/v1', 'kind: Drill',
      'metadata: { name: bench-power, owner: bench }',
      'target: { type: zone, zone: zone-a }',
      // An instant cut: every node's read and taint in flight at once (fault.concurrency bounds them).
      `fault: { mode: power-loss, concurrency: ${Math.min(500, zone.length)} }`,
      'timing: { hold: 30m, maxDuration: 40m }',
      'probes:',
      `  - { name: ok, type: http, url: "${probeUrl}", interval: 1s, tolerance: { stableFor: 1s } }`,
      `safety: { maxNodes: ${Math.max(100, zone.length)}, maxFraction: 0.5, protectedNamespaces: [kube-system] }`,
      'report: { formats: [json] }',
    ].join('\n'), 'bench-power');
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
    const out: PowerBenchResult = {
      nodes: zone.length,
      rawSpreadMs: raw.spreadMs,
      rawTotalMs: raw.totalMs,
      firedrillSpreadMs: spread(seen),
      firedrillSinceInjectMs: Number.isFinite(injectAt) ? Math.max(...seen.values()) - injectAt : null,
      throughputVsRaw: Math.round((Math.max(1, raw.spreadMs) / Math.max(1, spread(seen))) * 100) / 100,
      abortToRestoredMs: restoredAt - t,
      abortToRestoreEndedMs: r.restore?.endedAt ? Date.parse(r.restore.endedAt) - t : NaN,
      abortTimeline: timeline,
      outcome: r.outcome,
    };
    ctx.progress(`  firedrill power-loss: spread ${out.firedrillSpreadMs} ms (inject start to last ${out.firedrillSinceInjectMs} ms); abort → all restored ${out.abortToRestoredMs} ms`);
    if (timeline) ctx.progress(`  after the abort signal: hold activities asked to stop ${timeline.cancelRequestedMs} ms, stopped ${timeline.holdActivitiesEndedMs} ms; restore scheduled ${timeline.restoreScheduledMs} ms, started ${timeline.restoreStartedMs} ms, completed ${timeline.restoreCompletedMs} ms`);
    return out;
  } finally {
    watch.stop();
  }
}
