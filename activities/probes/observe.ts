import { setMaxListeners } from 'node:events';
import { CancelledFailure, Context } from '@temporalio/activity';
import type * as k8s from '@kubernetes/client-node';
import type { ProbeSpec, RpoProbeSpec, WorkloadRef } from '../../drills/schema/index.js';
import type { ProbeSegment } from '../../report/result.js';
import { checkFor, readMarkers, writeMarker, type CheckDeps } from './checks.js';
import { CapacityWatcher, type WatchSourceFactory } from './capacity-watch.js';
import { SegmentBuilder } from './segments.js';
import { observationGapMs, probeGapMs } from '../../report/coverage.js';
import { steadyAtEnd } from '../../report/steadiness.js';

// The probes engine: one long-running, heartbeating activity per drill phase. It returns
// compact timeline segments (state changes), so an hour at one-second intervals costs the
// workflow history a few events, not thousands. It resumes from its last heartbeat when a
// worker dies, and ends early on a guardrail or, in failback, once everything is steady.

export interface ObserveInput {
  mode: 'baseline' | 'hold' | 'failback';
  probes: ProbeSpec[];
  /** Longest time to observe. */
  durationMs: number;
  /** End as soon as every probe holds steady state (baseline and failback). */
  stopWhenSteady?: boolean;
  guardrails?: { probeFailingLongerThanMs?: number; maxErrorBudget?: number };
  capacity?: { workloads: WorkloadRef[]; targetNodes: string[]; intervalMs: number };
  /** Markers acknowledged before this observation (the baseline's): they can be lost too. */
  priorAcked?: Record<string, Array<[number, number]>>;
}

export interface RpoReadback {
  probe: string;
  acknowledged: number;
  missing: number;
  firstMissingAt: string | null;
  lastMissingAt: string | null;
  error?: string;
  /** Reads it took: until two consecutive reads agreed, or the bound. */
  reads?: number;
  /** Two consecutive reads agreed (else the union of what the reads returned was used). */
  agreed?: boolean;
}

export interface ObserveResult {
  startedAt: string;
  endedAt: string;
  probes: Array<{ name: string; segments: ProbeSegment[]; failed: number; total: number }>;
  /** readyOutside: ready replicas outside the target at the last observation (absent = never observed). */
  capacity: Array<{ workload: WorkloadRef; desired: number; segments: ProbeSegment[]; readyOutside?: number }>;
  rpo: RpoReadback[];
  /** Baseline only: the markers acknowledged, handed to the hold's read-back. */
  acked?: Record<string, Array<[number, number]>>;
  stoppedBy?: { kind: 'guardrail' | 'steady' | 'cancelled'; message: string };
  /** Times the activity resumed after a worker loss (each leaves a gap in the timeline). */
  resumes: number;
}

interface Checkpoint {
  startedAt: number;
  probes: Record<string, ProbeSegment[]>;
  capacity: Record<string, ProbeSegment[]>;
  acked: Record<string, Array<[number, number]>>;
  seq: Record<string, number>;
  resumes: number;
  readyOutside?: Record<string, number>;
}

const key = (w: WorkloadRef) => `${w.kind}/${w.namespace}/${w.name}`;

/**
 * The error-budget guardrail judges a share only once this many observations were made in the
 * hold: two failures of the first three are no evidence of a spent budget.
 */
export const ERROR_BUDGET_MIN_OBSERVATIONS = 20;

/** The most the first ticks of two probes are set apart, spread over their interval. */
export const STAGGER_STEP_MS = 2;

/**
 * When probe `index` of `count` first ticks, after the observation starts. Probes that all tick
 * at once are one burst of checks each interval, and the last of them waits for the whole burst
 * (about 0.3 s at 1,000 probes); spread a step apart, each finds the worker idle. A few probes
 * start within milliseconds of each other; a thousand at 1 s are spread over the whole second.
 */
export function firstTickOffset(index: number, count: number, intervalMs: number): number {
  return index * Math.min(STAGGER_STEP_MS, intervalMs / Math.max(1, count));
}

export function createObserve(deps: CheckDeps & { kc?: k8s.KubeConfig; kubeFor?: (context?: string) => k8s.KubeConfig; watchSources?: WatchSourceFactory }) {
  return async function observe(input: ObserveInput): Promise<ObserveResult> {
    const ctx = Context.current();
    const prior = ctx.info.heartbeatDetails as Checkpoint | undefined;
    const fresh = (): Checkpoint => ({ startedAt: Date.now(), probes: {}, capacity: {}, acked: structuredClone(input.priorAcked ?? {}), seq: {}, resumes: 0 });
    // A baseline or failback resumed after a lost worker starts its window again: the time the
    // worker was away was not observed, so steadiness must not be read across it, and a window
    // that ran out meanwhile would otherwise observe nothing. Acked markers carry over.
    const cp: Checkpoint = !prior ? fresh()
      : input.stopWhenSteady ? { ...fresh(), acked: prior.acked, seq: prior.seq, resumes: prior.resumes + 1 }
        : { ...prior, resumes: prior.resumes + 1 };
    const deadline = cp.startedAt + input.durationMs;
    const builders = new Map(input.probes.map((p) => [p.name, new SegmentBuilder(cp.probes[p.name], { gapMs: probeGapMs(p) })]));
    // A tick the API could not answer is no observation: a long run of them shows as a gap.
    const capGapMs = observationGapMs(input.capacity?.intervalMs ?? 1000);
    const capBuilders = new Map((input.capacity?.workloads ?? []).map((w) => [key(w), new SegmentBuilder(cp.capacity[key(w)], { gapMs: capGapMs })]));
    const desired = new Map<string, number>();
    // What the last observation counted: a report states it, it does not infer it from health.
    const readyOutside = new Map<string, number>(Object.entries(cp.readyOutside ?? {}));
    let stoppedBy: ObserveResult['stoppedBy'];
    const stop = new AbortController();
    // Every probe loop, the capacity loop and the supervisor wait on this signal at once.
    setMaxListeners(input.probes.length + 8, stop.signal);
    const finish = (why: NonNullable<ObserveResult['stoppedBy']>) => {
      if (!stoppedBy) stoppedBy = why;
      stop.abort();
    };
    ctx.cancellationSignal.addEventListener('abort', () => finish({ kind: 'cancelled', message: 'cancelled by the workflow' }));

    const waitUntil = (t: number) => new Promise<void>((resolve) => {
      const ms = Math.max(0, Math.min(t, deadline) - Date.now());
      const onStop = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { stop.signal.removeEventListener('abort', onStop); resolve(); }, ms);
      stop.signal.addEventListener('abort', onStop, { once: true });
    });

    // Each loop keeps its own schedule (start + k × interval): a late timer does not push every
    // later tick back. Ticks missed while a check or the event loop overran are skipped, not
    // caught up, so the probes stay spread as they started.
    const loop = async (intervalMs: number, tick: (at: number) => Promise<void>, offsetMs = 0) => {
      let next = Date.now() + offsetMs;
      if (offsetMs > 0) await waitUntil(next);
      while (!stop.signal.aborted && Date.now() < deadline) {
        const at = Date.now();
        await tick(at);
        next += intervalMs;
        const now = Date.now();
        if (next < now) next += Math.ceil((now - next) / intervalMs) * intervalMs;
        await waitUntil(next);
      }
    };

    const probeLoops = input.probes.map((p, i) => {
      const b = builders.get(p.name) as SegmentBuilder;
      const offset = firstTickOffset(i, input.probes.length, p.interval);
      if (p.type === 'rpo') {
        const acked = (cp.acked[p.name] ??= []);
        return loop(p.interval, async (at) => {
          // The write time is the marker: unique across phases and resumes, and increasing.
          const seq = Math.max(at, (cp.seq[p.name] ?? 0) + 1);
          cp.seq[p.name] = seq;
          const o = await writeMarker(p, deps.fetch ?? fetch, seq, at);
          if (o.ok) acked.push([seq, at]);
          b.add(at, o.ok, o.error);
        }, offset);
      }
      const check = checkFor(p, deps);
      return loop(p.interval, async (at) => {
        const o = await check();
        b.add(at, o.ok, o.error);
      }, offset);
    });

    const cap = input.capacity;
    // Watches of this attempt only: a resumed attempt lists afresh, and all stop when it ends.
    const watcher = cap && cap.workloads.length && deps.kc
      ? new CapacityWatcher({ kc: deps.kc, workloads: cap.workloads, intervalMs: cap.intervalMs, ...(deps.kubeFor ? { kubeFor: deps.kubeFor } : {}), ...(deps.watchSources ? { sources: deps.watchSources } : {}) })
      : undefined;
    const capacityLoop = cap && watcher
      ? (async () => {
        watcher.start();
        // The first tick waits for the first list (up to an interval), not to count it as a gap.
        await watcher.whenSynced(Math.min(cap.intervalMs, Math.max(0, deadline - Date.now())), stop.signal);
        const targets = new Set(cap.targetNodes);
        await loop(cap.intervalMs, async (at) => {
          for (const s of watcher.states(targets)) {
            if (s.unknown) continue;
            desired.set(key(s.workload), s.desired);
            readyOutside.set(key(s.workload), s.readyOutside);
            capBuilders.get(key(s.workload))?.add(at, s.recovered, s.error);
          }
        });
      })()
      : Promise.resolve();

    const supervisor = loop(250, async (now) => {
      const snapshot: Checkpoint = {
        ...cp,
        probes: Object.fromEntries([...builders].map(([n, b]) => [n, b.segments])),
        capacity: Object.fromEntries([...capBuilders].map(([n, b]) => [n, b.segments])),
        readyOutside: Object.fromEntries(readyOutside),
      };
      ctx.heartbeat(snapshot);
      const g = input.guardrails;
      if (g?.probeFailingLongerThanMs !== undefined) {
        for (const [name, b] of builders) {
          if (b.failingSince !== undefined && now - b.failingSince > g.probeFailingLongerThanMs) {
            finish({ kind: 'guardrail', message: `probe ${name} failing for more than ${Math.round(g.probeFailingLongerThanMs / 1000)} s` });
          }
        }
      }
      if (g?.maxErrorBudget !== undefined) {
        const failed = [...builders.values()].reduce((n, b) => n + b.failed, 0);
        const total = [...builders.values()].reduce((n, b) => n + b.total, 0);
        // A share of the observations made so far, once there are enough of them to mean anything.
        if (total >= ERROR_BUDGET_MIN_OBSERVATIONS && failed / total > g.maxErrorBudget) {
          finish({ kind: 'guardrail', message: `error budget spent: ${failed} of ${total} observations so far failed (${Math.round((failed / total) * 1000) / 10} %, limit ${Math.round(g.maxErrorBudget * 1000) / 10} %)` });
        }
      }
      // Capacity watched here (a cluster drill's failback) must be back too before the watch ends.
      const capacityBack = [...capBuilders.values()].every((b) => steadyAtEnd(b.segments, cp.startedAt, 0));
      if (input.stopWhenSteady && capacityBack && input.probes.every((p) => steadyAtEnd((builders.get(p.name) as SegmentBuilder).segments, cp.startedAt, p.tolerance.stableFor))) {
        finish({ kind: 'steady', message: capBuilders.size ? 'every probe holds steady state and capacity is back' : 'every probe holds steady state' });
      }
    });

    try {
      await Promise.all([...probeLoops, capacityLoop, supervisor]);
    } finally {
      await watcher?.stop();
    }

    const rpo: RpoReadback[] = [];
    // Read back even when the workflow ended the hold by cancelling: that is the normal end.
    if (input.mode === 'hold') {
      for (const p of input.probes.filter((q): q is RpoProbeSpec => q.type === 'rpo')) {
        rpo.push(await readback(p, cp.acked[p.name] ?? [], deps));
      }
    }
    const result: ObserveResult = {
      startedAt: new Date(cp.startedAt).toISOString(),
      endedAt: new Date().toISOString(),
      probes: input.probes.map((p) => {
        const b = builders.get(p.name) as SegmentBuilder;
        return { name: p.name, segments: b.segments, failed: b.failed, total: b.total };
      }),
      capacity: (cap?.workloads ?? []).map((w) => ({
        workload: w,
        desired: desired.get(key(w)) ?? 0,
        segments: (capBuilders.get(key(w)) as SegmentBuilder).segments,
        ...(readyOutside.has(key(w)) ? { readyOutside: readyOutside.get(key(w)) } : {}),
      })),
      rpo,
      ...(input.mode === 'baseline' ? { acked: cp.acked } : {}),
      ...(stoppedBy ? { stoppedBy } : {}),
      resumes: cp.resumes,
    };
    // Cancelled (end of hold, or an operator's abort): hand the timeline back with the cancellation.
    if (stoppedBy?.kind === 'cancelled') throw new CancelledFailure('observation cancelled', [result]);
    return result;
  };
}

/** Most reads of the markers after the hold: enough for a lagging replica to catch up or be outvoted. */
export const READBACK_MAX_READS = 5;

const sameSet = (a: Set<number>, b: Set<number>) => a.size === b.size && [...a].every((x) => b.has(x));

/**
 * Reads the markers back until two consecutive reads agree (at most READBACK_MAX_READS, one
 * interval apart), so a read that hit a lagging replica does not count markers as lost. When the
 * reads never agree, a marker any read returned is still stored: the union is what the service has.
 */
async function readback(p: RpoProbeSpec, acked: Array<[number, number]>, deps: CheckDeps): Promise<RpoReadback> {
  const f = deps.fetch ?? fetch;
  const sets: Array<Set<number>> = [];
  let reads = 0;
  let agreed = false;
  let lastError: string | undefined;
  while (reads < READBACK_MAX_READS) {
    if (reads > 0) await new Promise((r) => setTimeout(r, p.interval));
    const have = await readMarkers(p, f);
    reads++;
    if (!(have instanceof Set)) { lastError = have.error; continue; }
    const prev = sets.at(-1);
    sets.push(have);
    if (prev && sameSet(prev, have)) { agreed = true; break; }
  }
  if (sets.length === 0) {
    return { probe: p.name, acknowledged: acked.length, missing: 0, firstMissingAt: null, lastMissingAt: null, error: lastError ?? 'no read-back', reads, agreed: false };
  }
  const have = agreed ? (sets.at(-1) as Set<number>) : new Set(sets.flatMap((x) => [...x]));
  const lost = acked.filter(([seq]) => !have.has(seq));
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    probe: p.name,
    acknowledged: acked.length,
    missing: lost.length,
    firstMissingAt: iso(lost[0]?.[1]),
    lastMissingAt: iso(lost.at(-1)?.[1]),
    reads,
    agreed,
  };
}
