import fs from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { startDrill } from '../client/drills.js';
import type { DrillResult } from '../report/result.js';
import { trackDrill } from './cleanup.js';
import { WARM_LABEL } from './drain.js';
import { openInspector, type Inspector } from './inspector.js';
import { benchSpec, httpProbe } from './spec.js';
import { anonSplit, type AnonSplit } from './smaps.js';
import type { BenchWorker } from './worker-process.js';

// A worker's memory at one moment, split the ways the memory benchmarks compare: VmRSS by
// /proc/<pid>/smaps_rollup (anonymous memory against mapped files) and the main isolate's V8
// heap spaces; what is in neither is the workflow threads' isolates and native memory
// (Temporal's core, buffers). Shared by first-drill-memory and drain-memory.

export interface Point {
  label: string;
  /** Milliseconds since the series began, where there is one. */
  atMs?: number;
  rssMb: number;
  anonMb: number;
  fileMb: number;
  /** process.memoryUsage() of the main thread. */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** The main isolate's heap spaces: space_used_size, MB. */
  spaces: Record<string, number>;
  threads: number;
  /** Where the anonymous memory lies (bench/smaps.ts). */
  anon?: AnonSplit;
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** The process's memory now, through an open inspector session (no collection first). */
export async function readPoint(ins: Inspector, pid: number, label: string): Promise<Point> {
  const expr = 'JSON.stringify({ u: process.memoryUsage(), s: process.getBuiltinModule("v8").getHeapSpaceStatistics() })';
  const r = await ins.send('Runtime.evaluate', { expression: expr, returnByValue: true }) as { result: { value: string } };
  const { u, s } = JSON.parse(r.result.value) as { u: Record<string, number>; s: Array<{ space_name: string; space_used_size: number }> };
  const rollup = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return {
    label,
    rssMb: mb(kb('Rss') * 1024), anonMb: mb(kb('Anonymous') * 1024), fileMb: mb((kb('Rss') - kb('Anonymous')) * 1024),
    heapUsedMb: mb(u.heapUsed ?? 0), heapTotalMb: mb(u.heapTotal ?? 0), externalMb: mb(u.external ?? 0), arrayBuffersMb: mb(u.arrayBuffers ?? 0),
    spaces: Object.fromEntries(s.map((x) => [x.space_name, mb(x.space_used_size)])),
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    anon: await anonSplit(pid),
  };
}

/** The worker's memory once settled after a full collection: what is left is live. */
export async function point(label: string, worker: BenchWorker): Promise<Point> {
  await worker.settledMemory();
  const ins = await openInspector(worker.pid);
  try {
    return await readPoint(ins, worker.pid, label);
  } finally {
    await ins.close();
  }
}

/** Cordons the node labelled WARM_LABEL=1 for 2 s; the drill's outcome. */
export async function smallDrill(client: Client, worker: BenchWorker, probeUrl: string, name: string): Promise<string> {
  const { spec, sha256 } = benchSpec({
    name, target: `{ type: nodes, selector: "${WARM_LABEL}=1" }`, fault: '{ mode: cordon }',
    timing: '{ hold: 2s, maxDuration: 5m }', probes: [httpProbe('ok', probeUrl)],
  });
  const handle = trackDrill(await startDrill(client, { taskQueue: worker.taskQueue }, spec, sha256, { approvedBy: 'bench' }));
  const r = (await handle.result()) as DrillResult;
  return r.outcome;
}
