import type { DrainBenchResult, WorkerMemory } from './drain.js';
import type { AbortBenchResult, AccuracyResult, HistoryRun } from './drills.js';
import type { PayloadCase } from './payloads.js';
import type { PodMemoryResult } from './pod-memory.js';
import type { PowerBenchResult } from './power.js';
import type { ProbeLoadRun } from './probe-load.js';

// The shapes of a bench run: its size, its parameters and what it writes to bench/results/.

export type BenchSize = 'quick' | 'mid' | 'full';


export interface SizeParams {
  nodesPerZone: number;
  deployments: number;
  replicas: number;
  drainConcurrency: number;
  rawConcurrency: number;
  accuracyRuns: number;
  accuracySlots: number;
  historyHolds: number[];
  /** Concurrencies of the drain sweep (each one more placement and drain), not in order: the load drifts. */
  sweep: number[];
  /** Probe counts of the probe-load benchmark (one drill each) and its hold. */
  probeCounts: number[];
  probeHoldSeconds: number;
  /** Rounds of the power cut (raw loops and a drill each): the ratio is of their medians. */
  powerRounds: number;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  size: BenchSize;
  firedrillVersion: string;
  startedAt: string;
  seconds: number;
  command: string;
  machine: { nproc: number; memoryGiB: number; node: string; platform: string; cpuModel: string };
  params: SizeParams;
  drain: DrainBenchResult;
  abort: AbortBenchResult;
  power: PowerBenchResult;
  payloads: PayloadCase[];
  /** Heap of 3,000 pods as full client objects (what the drain held) vs as the references it keeps. */
  podMemory: PodMemoryResult;
  history: HistoryRun[];
  /**
   * VmRSS / VmHWM of separate `firedrill worker` processes: `worker` ran the drain drill with
   * default Node options, `semiSpace` with the deployment's NODE_OPTIONS (deploy/40-worker.yaml;
   * the key keeps the name of the first such options); drillWorkerPeakMb is the first one's peak
   * while it ran benchmarks 2, 3 and 5 afterwards.
   */
  workerRss: { method: string; worker: WorkerMemory | null; semiSpace: WorkerMemory | null; drillWorkerPeakMb: number | null; drillWorkerHwmReset: boolean };
  accuracy: AccuracyResult;
  /** One drill per probe count: lateness of the probes and the worker's CPU per 1,000 observations. */
  probeLoad: ProbeLoadRun[];
  targets: Target[];
}
