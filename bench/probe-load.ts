import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DrillResult } from '../report/result.js';
import { sleep } from '../activities/kube/retry.js';
import { cpuSecondsFromStat, percentile } from './fleet-figures.js';
import { startBenchDrill, type DrillCtx } from './drills.js';
import { benchSpec, httpProbe } from './spec.js';
import { setNodeLabel, zoneNodes } from './kube.js';

// Probes: how many HTTP probes at 1 s one worker keeps on time. A drill with N probes against a
// local server that notes when each probe's request arrives: lateness is the gap between two
// arrivals of one probe less the interval, over the hold only (phase changes are not lateness);
// CPU is the worker process's utime + stime over the same window, per 1,000 arrivals.

const LABEL = 'firedrill.dev/bench-probes';
const INTERVAL_MS = 1000;

export interface ProbeLoadRun {
  probes: number;
  intervalMs: number;
  holdSeconds: number;
  /** Requests that arrived inside the measured window (the hold, less a second at either end). */
  observations: number;
  /** Arrivals per probe per interval over the window: 1 when every probe kept its interval. */
  keptRate: number;
  latenessMs: { p50: number | null; p99: number | null; max: number | null };
  workerCpuSeconds: number;
  cpuSecondsPer1000Observations: number | null;
  historyEvents: number;
  outcome: string;
  outcomeReason: string;
}

/** Lateness of one probe's arrivals: each gap less the interval, never below 0. */
export function lateness(arrivals: number[], intervalMs: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < arrivals.length; i++) out.push(Math.max(0, (arrivals[i] as number) - (arrivals[i - 1] as number) - intervalMs));
  return out;
}

async function arrivalServer(): Promise<{ url: string; arrivals: Map<string, number[]>; close(): Promise<void> }> {
  const arrivals = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const key = req.url ?? '';
    (arrivals.get(key) ?? arrivals.set(key, []).get(key)!).push(at);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`, arrivals,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

async function cpuOf(pid: number): Promise<number> {
  return cpuSecondsFromStat(await fs.readFile(`/proc/${pid}/stat`, 'utf8'));
}

async function oneRun(ctx: DrillCtx, workerPid: number, probes: number, holdSeconds: number): Promise<ProbeLoadRun> {
  const srv = await arrivalServer();
  const samples: Array<[number, number]> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push([Date.now(), await cpuOf(workerPid)]);
      await sleep(500);
    }
  })();
  try {
    const { spec, sha256 } = benchSpec({
      name: `bench-probes-${probes}`, target: `{ type: nodes, selector: "${LABEL}=1" }`, fault: '{ mode: cordon }',
      timing: `{ hold: ${holdSeconds}s, maxDuration: ${holdSeconds + 600}s }`,
      probes: Array.from({ length: probes }, (_, i) => httpProbe(`p${i}`, `${srv.url}p${i}`, '1s', '0s')),
    });
    const handle = await startBenchDrill(ctx, spec, sha256);
    ctx.progress(`probes: drill ${handle.workflowId} (${probes} HTTP probes at 1 s, hold ${holdSeconds} s)`);
    const r = (await handle.result()) as DrillResult;
    const historyEvents = (await handle.fetchHistory()).events?.length ?? 0;
    sampling = false;
    await sampler;
    const startIso = r.measurements.injectStartedAt ?? r.measurements.t0;
    const endIso = r.measurements.holdEndedAt ?? r.restore?.startedAt;
    const base = {
      probes, intervalMs: INTERVAL_MS, holdSeconds, historyEvents, outcome: r.outcome, outcomeReason: r.outcomeReason,
    };
    if (!startIso || !endIso) {
      return { ...base, observations: 0, keptRate: 0, latenessMs: { p50: null, p99: null, max: null }, workerCpuSeconds: 0, cpuSecondsPer1000Observations: null };
    }
    // A second in from either end: the hold's first and last ticks meet the phase change.
    const from = Date.parse(startIso) + 1000;
    const to = Date.parse(endIso) - 1000;
    const late: number[] = [];
    let observations = 0;
    for (const list of srv.arrivals.values()) {
      const inside = list.filter((t) => t >= from && t <= to);
      observations += inside.length;
      late.push(...lateness(inside, INTERVAL_MS));
    }
    // CPU over the samples nearest the window's ends.
    const near = (t: number) => samples.reduce((best, s) => (Math.abs(s[0] - t) < Math.abs(best[0] - t) ? s : best), samples[0] ?? [t, 0]);
    const [t1, c1] = near(from);
    const [t2, c2] = near(to);
    const cpu = Math.round((c2 - c1) * 100) / 100;
    const seconds = (to - from) / 1000;
    // Arrivals in the sampled CPU window, for the CPU per 1,000 observations.
    let sampledObs = 0;
    for (const list of srv.arrivals.values()) sampledObs += list.filter((t) => t >= t1 && t <= t2).length;
    return {
      ...base,
      observations,
      keptRate: seconds > 0 ? Math.round((observations / (probes * seconds / (INTERVAL_MS / 1000))) * 1000) / 1000 : 0,
      latenessMs: { p50: percentile(late, 50), p99: percentile(late, 99), max: late.length ? Math.max(...late) : null },
      workerCpuSeconds: cpu,
      cpuSecondsPer1000Observations: sampledObs ? Math.round((cpu / sampledObs) * 1000 * 1000) / 1000 : null,
    };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
    await srv.close();
  }
}

/** One drill per probe count, one after the other, on one labelled node of zone-c. */
export async function benchProbeLoad(ctx: DrillCtx, workerPid: number, counts: number[], holdSeconds: number): Promise<ProbeLoadRun[]> {
  const node = (await zoneNodes(ctx.kc, 'zone-c')).at(-1);
  if (!node) throw new Error('probes: zone-c has no node');
  await setNodeLabel(ctx.kc, node, LABEL, '1');
  try {
    const out: ProbeLoadRun[] = [];
    for (const n of counts) {
      const run = await oneRun(ctx, workerPid, n, holdSeconds);
      ctx.progress(`  ${n} probes: ${run.observations} observations in the hold (kept ${run.keptRate}), lateness p50 ${run.latenessMs.p50} ms, p99 ${run.latenessMs.p99} ms, max ${run.latenessMs.max} ms; worker CPU ${run.workerCpuSeconds} s (${run.cpuSecondsPer1000Observations} s per 1,000 observations); ${run.historyEvents} history events; ${run.outcome}`);
      out.push(run);
    }
    return out;
  } finally {
    await setNodeLabel(ctx.kc, node, LABEL, null);
  }
}
