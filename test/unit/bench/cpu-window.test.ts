import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuUse, cpuWindow, stackPids, type CpuSample } from '../../../bench/cpu-window.js';

// A drain variant records who used the cores: the machine's busy and stolen cores, and each
// stack process's CPU seconds, over its window.

const sample = (at: number, busy: number, total: number, steal: number, processes: Record<string, number>): CpuSample => ({ at, busy, total, steal, processes });

describe('cpuUse', () => {
  it('turns clock ticks into cores and CPU seconds into differences', () => {
    // 10 s on 2 cores is 2,000 ticks; 1,800 busy of them is 1.8 cores, 100 stolen is 0.1.
    const u = cpuUse(sample(0, 500, 1000, 10, { etcd: 3, 'kube-apiserver': 10 }), sample(10_000, 2300, 3000, 110, { etcd: 5.5, 'kube-apiserver': 19 }), 2);
    expect(u).toEqual({ seconds: 10, busyCores: 1.8, stealCores: 0.1, cores: 2, processSeconds: { etcd: 2.5, 'kube-apiserver': 9 } });
  });

  it('leaves out a process it could not read at either end', () => {
    const u = cpuUse(sample(0, 0, 100, 0, { kwok: 1, gone: 2 }), sample(1000, 50, 300, 0, { kwok: 1.5, gone: Number.NaN, late: 4 }), 2);
    expect(u.processSeconds).toEqual({ kwok: 0.5 });
  });
});

describe('stackPids and cpuWindow on this machine', () => {
  let dir: string | undefined;
  afterEach(async () => { if (dir) await fs.rm(dir, { recursive: true, force: true }); });

  it('finds the live processes of a state directory and measures their CPU', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-cpu-'));
    await fs.mkdir(path.join(dir, 'pids'));
    const record = (pid: number, exe: string) => JSON.stringify({ pid, exe, startedAt: new Date().toISOString() });
    await fs.writeFile(path.join(dir, 'pids', 'self.json'), record(process.pid, process.execPath));
    // A pid file whose process is another executable (a recycled pid) is not the stack's.
    await fs.writeFile(path.join(dir, 'pids', 'recycled.json'), record(process.pid, '/nonexistent/etcd'));
    const pids = await stackPids(dir);
    expect(pids).toEqual({ self: process.pid });

    const close = await cpuWindow(pids);
    // Spin until this process has used 200 ms of CPU by its own count, however busy the machine.
    const used0 = process.cpuUsage();
    let x = 0;
    while (process.cpuUsage(used0).user + process.cpuUsage(used0).system < 200_000) x += Math.sqrt(x + 1);
    const u = await close();
    expect(x).toBeGreaterThan(0);
    // /proc counts in 10 ms ticks: 200 ms may read as 190.
    expect(u.processSeconds.self).toBeGreaterThanOrEqual(0.19);
    expect(u.busyCores).toBeGreaterThan(0);
    expect(u.busyCores).toBeLessThanOrEqual(u.cores);
  });
});
