import fs from 'node:fs/promises';
import { machineTicks, statParts } from './fleet-figures.js';

// CPU readings from /proc: one process, a process with its children (PostgreSQL's backends),
// and the whole machine, so a round says who used the two cores.

async function stat(pid: number): Promise<ReturnType<typeof statParts> | undefined> {
  try {
    return statParts(await fs.readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function processCpu(pid: number): Promise<number> {
  return (await stat(pid))?.cpuSeconds ?? NaN;
}

/** A parent and its live children, plus the children it has already reaped. */
export async function treeCpu(pid: number): Promise<number> {
  const parent = await stat(pid);
  if (!parent) return NaN;
  let total = parent.cpuSeconds + parent.childrenCpuSeconds;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = await stat(Number(entry));
    if (s?.ppid === pid) total += s.cpuSeconds;
  }
  return total;
}

export async function machineCpu(): Promise<ReturnType<typeof machineTicks>> {
  return machineTicks(await fs.readFile('/proc/stat', 'utf8'));
}
