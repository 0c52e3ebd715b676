import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startDrill } from '../client/drills.js';
import { projectRoot } from '../devstack/paths.js';
import type { DrillResult } from '../report/result.js';
import { trackDrill } from './cleanup.js';
import { deploymentMallocArenaMax, deploymentNodeOptions } from './deployment-options.js';
import { WARM_LABEL } from './drain.js';
import { openInspector } from './inspector.js';
import { setNodeLabel, zoneNodes } from './kube.js';
import { benchSpec, httpProbe } from './spec.js';
import { standalone } from './standalone.js';
import type { BenchWorker } from './worker-process.js';

// Where a worker's one-time growth over its first drill goes: a `firedrill worker` with the
// deployment's NODE_OPTIONS and MALLOC_ARENA_MAX, measured ready, after a first small drill and after a second one.
// Each point splits VmRSS by /proc/<pid>/smaps_rollup (anonymous memory against mapped files)
// and the main isolate's V8 heap spaces (after a full collection); what is in neither is the
// workflow threads' isolates and native memory (Temporal's core, buffers).
//   FIREDRILL_BENCH_PORT_BASE=26000 node scripts/node.mjs npx tsx bench/first-drill-memory.ts [drills]
// Writes bench/results/first-drill-memory.json.

interface Point {
  label: string;
  rssMb: number;
  anonMb: number;
  fileMb: number;
  /** process.memoryUsage() of the main thread, after a full collection. */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** The main isolate's heap spaces: space_used_size, MB. */
  spaces: Record<string, number>;
  threads: number;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

async function point(label: string, worker: BenchWorker): Promise<Point> {
  // settledMemory() collects the garbage first: what is left is live.
  await worker.settledMemory();
  const ins = await openInspector(worker.pid);
  try {
    const expr = 'JSON.stringify({ u: process.memoryUsage(), s: process.getBuiltinModule("v8").getHeapSpaceStatistics() })';
    const r = await ins.send('Runtime.evaluate', { expression: expr, returnByValue: true }) as { result: { value: string } };
    const { u, s } = JSON.parse(r.result.value) as { u: Record<string, number>; s: Array<{ space_name: string; space_used_size: number }> };
    const rollup = await fs.readFile(`/proc/${worker.pid}/smaps_rollup`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    const status = await fs.readFile(`/proc/${worker.pid}/status`, 'utf8');
    const p: Point = {
      label,
      rssMb: mb(kb('Rss') * 1024), anonMb: mb(kb('Anonymous') * 1024), fileMb: mb((kb('Rss') - kb('Anonymous')) * 1024),
      heapUsedMb: mb(u.heapUsed ?? 0), heapTotalMb: mb(u.heapTotal ?? 0), externalMb: mb(u.external ?? 0), arrayBuffersMb: mb(u.arrayBuffers ?? 0),
      spaces: Object.fromEntries(s.map((x) => [x.space_name, mb(x.space_used_size)])),
      threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    };
    return p;
  } finally {
    await ins.close();
  }
}


async function smallDrill(client: Client, worker: BenchWorker, probeUrl: string, i: number): Promise<string> {
  const { spec, sha256 } = benchSpec({
    name: `bench-first-drill-${i}`, target: `{ type: nodes, selector: "${WARM_LABEL}=1" }`, fault: '{ mode: cordon }',
    timing: '{ hold: 2s, maxDuration: 5m }', probes: [httpProbe('ok', probeUrl)],
  });
  const handle = trackDrill(await startDrill(client, { taskQueue: worker.taskQueue }, spec, sha256, { approvedBy: 'bench' }));
  const r = (await handle.result()) as DrillResult;
  return r.outcome;
}

async function main(): Promise<void> {
  const drills = Number(process.argv[2] ?? 2);
  const startedAt = new Date().toISOString();
  await standalone(10, async ({ client, kc, probeUrl, progress, worker, defer }) => {
    const nodeOptions = deploymentNodeOptions();
    const mallocArenaMax = deploymentMallocArenaMax();
    const w = await worker({ taskQueue: `firedrill-bench-first-drill-${Date.now()}`, nodeOptions, ...(mallocArenaMax ? { mallocArenaMax } : {}) });
    const node = (await zoneNodes(kc, 'zone-b'))[0];
    if (!node) throw new Error('no node in zone-b');
    await setNodeLabel(kc, node, WARM_LABEL, '1');
    defer(() => setNodeLabel(kc, node, WARM_LABEL, null));
    const points = [await point('ready', w)];
    progress(`ready: ${JSON.stringify(points[0])}`);
    for (let i = 1; i <= drills; i++) {
      const outcome = await smallDrill(client, w, probeUrl, i);
      points.push(await point(`after drill ${i} (${outcome})`, w));
      progress(`${points.at(-1)?.label}: ${JSON.stringify(points.at(-1))}`);
    }
    const out = { command: `node scripts/node.mjs npx tsx bench/first-drill-memory.ts ${drills}`, startedAt, nodeOptions, mallocArenaMax: mallocArenaMax ?? null, load: os.loadavg(), points };
    await fs.writeFile(path.join(projectRoot, 'bench', 'results', 'first-drill-memory.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}

await main();
