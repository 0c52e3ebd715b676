import type { WorkerMemory } from './drain.js';
import type { BenchResults, Target } from './model.js';
import { BLOB_LIMIT_BYTES } from './payloads.js';

// The targets of the "Performance" issue, each measured against a baseline of the same run
// (the raw bound, kubectl, the idle worker), never against a figure from another day.

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Peak RSS during the drain drill minus the idle worker's, and over its RSS after a first small drill. */
function growthTarget(name: string, w: WorkerMemory | null): Target {
  const growth = w ? Math.round((w.peakMb - w.readyRssMb) * 10) / 10 : null;
  const warmGrowth = w?.warmRssMb ? Math.round((w.peakMb - w.warmRssMb) * 10) / 10 : null;
  return {
    name,
    target: '< 40 MB',
    measured: !w ? 'not measured' : `${growth} MB (VmHWM ${w.peakMb} MB, VmRSS ready ${w.readyRssMb} MB)${warmGrowth !== null ? `; ${warmGrowth} MB over the VmRSS after a first small drill (${w.warmRssMb} MB)` : ''}`,
    met: growth !== null && growth < 40,
  };
}

export function evaluate(r: Omit<BenchResults, 'targets'>): Target[] {
  const [a, b, c] = ['firedrill', 'kubectl', 'raw'].map((v) => r.drain.variants.find((x) => x.variant === v));
  const worstHistory = Math.max(...r.history.map((h) => h.events));
  const worstErr = r.accuracy.worstAbsErrorIntervals;
  const w = r.workerRss.worker;
  const d = r.workerRss.semiSpace;
  const unguardedVsKubectl = a && b ? Math.round((b.unguardedEvictedMs / Math.max(1, a.unguardedEvictedMs)) * 100) / 100 : 0;
  const p = r.power;
  const worstPayload = r.payloads.filter((x) => !x.name.startsWith('10 probes')).reduce((m, x) => Math.max(m, x.heartbeatBytes, x.resultBytes), 0);
  return [
    {
      name: 'drain vs raw parallel bound (wall time)',
      target: '>= 0.9x',
      measured: `${r.drain.ratios.firedrillThroughputVsRaw}x (${s(a?.evictedMs ?? 0)} vs ${s(c?.evictedMs ?? 0)})`,
      met: r.drain.ratios.firedrillThroughputVsRaw >= 0.9,
    },
    {
      name: 'drain vs sequential kubectl drain',
      target: '>= 5x faster',
      measured: `${r.drain.ratios.firedrillVsKubectl}x (${s(a?.evictedMs ?? 0)} vs ${s(b?.evictedMs ?? 0)})`,
      met: r.drain.ratios.firedrillVsKubectl >= 5,
    },
    {
      name: 'pods without PDB vs kubectl',
      target: '>= 10x faster',
      measured: `${unguardedVsKubectl}x (${s(a?.unguardedEvictedMs ?? 0)} vs ${s(b?.unguardedEvictedMs ?? 0)})`,
      met: unguardedVsKubectl >= 10,
    },
    {
      name: 'same evicted set (firedrill, kubectl)',
      target: 'identical per Deployment, no DaemonSet pod',
      measured: r.drain.sameEvictedSet ? 'identical' : r.drain.sameSetNotes.join('; '),
      met: r.drain.sameEvictedSet,
    },
    growthTarget('worker peak minus ready RSS (drain drill)', w),
    ...(d ? [growthTarget(`worker peak minus ready RSS, deployed options (${d.nodeOptions ?? 'none'}${d.mallocArenaMax ? `, MALLOC_ARENA_MAX=${d.mallocArenaMax}` : ''})`, d)] : []),
    {
      name: 'idle worker ready RSS',
      target: '< 250 MB',
      measured: !w ? 'not measured' : `${w.readyRssMb} MB VmRSS`,
      met: !!w && w.readyRssMb < 250,
    },
    {
      name: `power cut: first to last taint (${p.nodes} nodes)`,
      target: '< 1.0 s, >= 0.8x raw parallel patch',
      measured: `median of ${p.rounds.length} round(s) ${s(p.firedrillSpreadMs)} (slowest ${s(p.worstFiredrillSpreadMs)}), ${p.throughputVsRaw}x raw (${s(p.rawSpreadMs)}); ${p.throughputVsSameChange}x a raw patch making the drill's whole change (${s(p.rawSameChangeSpreadMs)})`,
      met: p.worstFiredrillSpreadMs < 1000 && p.throughputVsRaw >= 0.8,
    },
    {
      name: `power cut: abort -> all restored (${p.nodes} nodes)`,
      target: '< 1.5 s',
      measured: `slowest of ${p.rounds.length}: ${s(p.abortToRestoredMs)} (restore.endedAt ${s(p.abortToRestoreEndedMs)}${p.abortTimeline ? `; restore activity started ${s(p.abortTimeline.restoreStartedMs ?? 0)} after the signal` : ''}); cordon abort: ${s(r.abort.signalToUncordonedMs)}`,
      met: p.abortToRestoredMs < 1500,
    },
    {
      name: 'probe payloads (1,000 probes; 4 h hold flapping every 10 s)',
      target: `< ${BLOB_LIMIT_BYTES} B (2 MB)`,
      measured: `largest ${worstPayload} B (${Math.round((worstPayload / BLOB_LIMIT_BYTES) * 1000) / 10} % of the limit)`,
      met: worstPayload < BLOB_LIMIT_BYTES,
    },
    {
      name: 'history events per drill (10 probes at 1 s)',
      target: '< 100 events',
      measured: `${worstHistory} events (holds ${r.history.map((h) => `${h.holdSeconds} s: ${h.events}`).join(', ')})`,
      // Only drills that ran their hold count: a refused drill has a short history too.
      met: worstHistory < 100 && r.history.every((h) => h.outcome === 'passed' || h.outcome === 'failed'),
    },
    ...probeTargets(r),
    {
      name: `RTO error (${r.accuracy.runs.length} runs)`,
      target: 'mean <= 0.5, worst <= 1 probe interval',
      measured: worstErr === null ? 'not measured' : `worst ${worstErr}, mean ${r.accuracy.meanAbsErrorIntervals} intervals (${r.accuracy.probeIntervalMs} ms; detection mean ${r.accuracy.meanAbsDetectionErrorIntervals}, midpoint estimate mean ${r.accuracy.meanAbsMidpointErrorIntervals})${r.accuracy.failedRuns ? `, ${r.accuracy.failedRuns} run(s) unmeasured` : ''}`,
      met: worstErr !== null && worstErr <= 1 && (r.accuracy.meanAbsErrorIntervals ?? 1) <= 0.5 && r.accuracy.failedRuns === 0,
    },
  ];
}

/** A thousand probes on time, and the history that stays small whatever the probe count. */
function probeTargets(r: Omit<BenchResults, 'targets'>): Target[] {
  const most = [...(r.probeLoad ?? [])].sort((x, y) => y.probes - x.probes)[0];
  if (!most) return [];
  const ran = most.outcome === 'passed' || most.outcome === 'failed';
  return [
    {
      name: `probe lateness (${most.probes} HTTP probes at 1 s, one worker)`,
      target: 'p99 < 100 ms',
      measured: `p99 ${most.latenessMs.p99} ms, max ${most.latenessMs.max} ms, kept ${most.keptRate} of the ticks; ${most.cpuSecondsPer1000Observations} CPU s per 1,000 observations`,
      met: ran && most.latenessMs.p99 !== null && most.latenessMs.p99 < 100,
    },
    {
      name: `history events (${most.probes} probes)`,
      target: '< 100 events',
      measured: `${most.historyEvents} events (${most.outcome})`,
      met: ran && most.historyEvents < 100,
    },
  ];
}
