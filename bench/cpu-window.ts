import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runningPid } from '../devstack/procs.js';
import { machineCpu, processCpu } from './fleet-proc.js';

// Who used the machine's cores while a drain variant ran. A drain on two cores shares them
// with the API server, etcd, the controllers, kwok and Temporal: when the whole machine is busy
// through a variant, its wall time is the stack's work divided by the cores, and a faster drain
// needs less work, not more parallelism. kubectl's drain mostly waits, so its wall time does
// not move with the machine's speed and the ratio between the two does.

export interface CpuSample {
  at: number;
  busy: number;
  total: number;
  steal: number;
  /** CPU seconds so far of each named process. */
  processes: Record<string, number>;
}

export interface CpuUse {
  seconds: number;
  /** Cores the machine kept busy on average, of `cores`. */
  busyCores: number;
  /** Of those, cores the hypervisor gave to another guest (steal time). */
  stealCores: number;
  cores: number;
  /** CPU seconds each named process used in the window (a process gone at the end is left out). */
  processSeconds: Record<string, number>;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function cpuUse(before: CpuSample, after: CpuSample, cores: number): CpuUse {
  const ticks = Math.max(1, after.total - before.total);
  const processSeconds: Record<string, number> = {};
  for (const [name, s] of Object.entries(after.processes)) {
    const s0 = before.processes[name];
    if (s0 !== undefined && Number.isFinite(s) && Number.isFinite(s0)) processSeconds[name] = round2(s - s0);
  }
  return {
    seconds: round2((after.at - before.at) / 1000),
    busyCores: round2(((after.busy - before.busy) / ticks) * cores),
    stealCores: round2(((after.steal - before.steal) / ticks) * cores),
    cores,
    processSeconds,
  };
}

export async function sampleCpu(pids: Record<string, number>): Promise<CpuSample> {
  const names = Object.keys(pids);
  const [m, ...seconds] = await Promise.all([machineCpu(), ...names.map((n) => processCpu(pids[n]!))]);
  return { at: Date.now(), ...m, processes: Object.fromEntries(names.map((n, i) => [n, seconds[i]!])) };
}

/** The live processes a stack started, by the names of their pid files. */
export async function stackPids(stateDir: string): Promise<Record<string, number>> {
  const files = await fs.readdir(path.join(stateDir, 'pids')).catch(() => [] as string[]);
  const out: Record<string, number> = {};
  for (const f of files.filter((x) => x.endsWith('.json'))) {
    const name = f.slice(0, -'.json'.length);
    const pid = await runningPid(stateDir, name);
    if (pid !== undefined) out[name] = pid;
  }
  return out;
}

/** Starts a window now; the returned function closes it. */
export async function cpuWindow(pids: Record<string, number>): Promise<() => Promise<CpuUse>> {
  const before = await sampleCpu(pids);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return async () => cpuUse(before, await sampleCpu(pids), cores);
}
