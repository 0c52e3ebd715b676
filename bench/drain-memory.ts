import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDrill } from '../client/drills.js';
import { projectRoot } from '../devstack/paths.js';
import type { DrillResult } from '../report/result.js';
import { trackDrill } from './cleanup.js';
import { deploymentMallocArenaMax, deploymentNodeOptions } from './deployment-options.js';
import { DRAIN_NS, OTHER_ZONES, WARM_LABEL, ZONE, drainDrillSpec, prepareWorkload } from './drain.js';
import { SIZES } from './index.js';
import { openInspector } from './inspector.js';
import { deleteNamespace, setNodeLabel, zoneNodes } from './kube.js';
import { point, readPoint, smallDrill, type Point } from './memory-points.js';
import type { BenchSize } from './model.js';
import { standalone } from './standalone.js';
import { procMemory } from './worker-process.js';

// What a drain must hold live, by pod count: the bench's drain drill (its workload at the given
// size) through a worker with the deployment's options, after a small warm-up drill as in the
// bench. Every 2 s through the drain the worker's main isolate is fully collected and read, so
// the largest of those readings is the live memory the drain holds at its busiest; the peak of
// the bench's own run is that plus the garbage V8 lets accumulate between its collections.
// The forced collections change the peak, so this run's VmHWM is not the bench's figure.
// With `observe`, the worker is read every 500 ms without a collection instead: which part of
// its memory makes the peak.
//   FIREDRILL_BENCH_PORT_BASE=26000 node scripts/node.mjs npx tsx bench/drain-memory.ts quick|mid|full [observe]
// Writes bench/results/drain-memory.<size>[.observe].json.

function anonOver(samples: Point[], ready: Point) {
  const top = samples.reduce<Point | undefined>((a, b) => (!a || b.rssMb > a.rssMb ? b : a), undefined);
  if (!top?.anon || !ready.anon) return null;
  const d = (k: 'brkMb' | 'arenasMb' | 'otherMb') => Math.round(((top.anon?.[k] ?? 0) - (ready.anon?.[k] ?? 0)) * 10) / 10;
  return { atMs: top.atMs ?? null, brkMb: d('brkMb'), arenasMb: d('arenasMb'), otherMb: d('otherMb'), heapTotalMb: Math.round((top.heapTotalMb - ready.heapTotalMb) * 10) / 10 };
}

async function main(): Promise<void> {
  const size = (process.argv[2] ?? 'quick') as BenchSize;
  const params = SIZES[size];
  if (!params) throw new Error(`usage: bench/drain-memory.ts quick|mid|full (not ${size})`);
  const observe = process.argv[3] === 'observe';
  const sampleMs = observe ? 500 : 2000;
  const startedAt = new Date().toISOString();
  await standalone(params.nodesPerZone, async ({ client, kc, probeUrl, progress, worker, defer }) => {
    const zone = await zoneNodes(kc, ZONE);
    const others = (await Promise.all(OTHER_ZONES.map((z) => zoneNodes(kc, z)))).flat();
    defer(() => deleteNamespace(kc, DRAIN_NS, 600_000));
    await prepareWorkload(kc, {
      deployments: params.deployments, replicas: params.replicas, concurrency: params.drainConcurrency,
      rawConcurrency: params.rawConcurrency, semiSpaceRun: false, sweep: [],
    }, new Set(zone), others, progress);

    const nodeOptions = deploymentNodeOptions();
    const mallocArenaMax = deploymentMallocArenaMax();
    const w = await worker({ taskQueue: `firedrill-bench-drain-memory-${Date.now()}`, nodeOptions, ...(mallocArenaMax ? { mallocArenaMax } : {}) });
    const warmNode = others[0];
    if (!warmNode) throw new Error(`no node in ${OTHER_ZONES[0]}`);
    await setNodeLabel(kc, warmNode, WARM_LABEL, '1');
    defer(() => setNodeLabel(kc, warmNode, WARM_LABEL, null));

    const ready = await point('ready', w);
    progress(`ready: RSS ${ready.rssMb} MB, heapUsed ${ready.heapUsedMb} MB`);
    const warmOutcome = await smallDrill(client, w, probeUrl, 'bench-drain-memory-warm-up');
    const warm = await point(`after a small drill (${warmOutcome})`, w);
    progress(`after a small drill: RSS ${warm.rssMb} MB, heapUsed ${warm.heapUsedMb} MB`);

    const { spec, sha256 } = drainDrillSpec(`bench-drain-memory-${size}`, params.drainConcurrency, zone.length, probeUrl);
    // VmHWM from here on: the start-up's own peak is higher than a drain's.
    const hwmReset = await w.resetPeak();
    const ins = await openInspector(w.pid);
    const samples: Point[] = [];
    let result: DrillResult | undefined;
    const t0 = Date.now();
    try {
      await ins.send('HeapProfiler.enable');
      const handle = trackDrill(await startDrill(client, { taskQueue: w.taskQueue }, spec, sha256, { approvedBy: 'bench' }));
      let done = false;
      const finished = handle.result().then((r) => { result = r as DrillResult; }).finally(() => { done = true; });
      while (!done) {
        await Promise.race([finished.catch(() => undefined), new Promise((r) => setTimeout(r, sampleMs))]);
        if (done) break;
        if (!observe) await ins.send('HeapProfiler.collectGarbage');
        const p = { ...(await readPoint(ins, w.pid, observe ? 'drain' : 'drain, collected')), atMs: Date.now() - t0 };
        samples.push(p);
        progress(`  ${(p.atMs / 1000).toFixed(1)} s: RSS ${p.rssMb} MB (anonymous ${p.anonMb}), heap ${p.heapUsedMb} of ${p.heapTotalMb} MB, external ${p.externalMb} MB${p.anon ? `, brk ${p.anon.brkMb} arenas ${p.anon.arenasMb} other ${p.anon.otherMb} MB` : ''}${observe ? '' : ' (after a collection)'}`);
      }
      await finished;
      await ins.send('HeapProfiler.disable');
    } finally {
      await ins.close();
    }
    const hwm = await procMemory(w.pid);
    const after = await point('after the drain', w);
    const max = (key: 'heapUsedMb' | 'heapTotalMb' | 'rssMb' | 'anonMb' | 'externalMb' | 'arrayBuffersMb') => Math.max(...samples.map((s) => s[key]));
    const round = (x: number) => Math.round(x * 10) / 10;
    // When each phase began, on the samples' clock: which step of the drill each rise belongs to.
    const phases = (result?.journal ?? []).filter((e) => e.kind === 'phase').map((e) => ({ phase: e.message.split(':')[0], atMs: Date.parse(e.at) - t0 }));
    const summary = {
      pods: params.deployments * params.replicas,
      nodes: zone.length,
      outcome: result?.outcome ?? null,
      evicted: result?.injection?.evicted ?? null,
      samples: samples.length,
      maxHeapUsedMb: max('heapUsedMb'),
      heapUsedOverWarmMb: round(max('heapUsedMb') - warm.heapUsedMb),
      maxRssMb: max('rssMb'),
      rssOverWarmMb: round(max('rssMb') - warm.rssMb),
      maxAnonOverWarmMb: round(max('anonMb') - warm.anonMb),
      maxHeapTotalOverWarmMb: round(max('heapTotalMb') - warm.heapTotalMb),
      maxExternalMb: max('externalMb'),
      collectedEvery: observe ? 'never (observed only)' : `${sampleMs} ms`,
      hwmMb: hwm.hwmMb,
      hwmReset,
      hwmOverWarmMb: round(hwm.hwmMb - warm.rssMb),
      // The largest sample's anonymous memory over ready's, by where it lies (bench/smaps.ts).
      peakAnonOverReady: anonOver(samples, ready),
    };
    progress(`summary: ${JSON.stringify(summary)}`);
    progress(`phases: ${phases.map((p) => `${p.phase} ${(p.atMs / 1000).toFixed(1)} s`).join(', ')}`);
    const out = {
      command: `FIREDRILL_BENCH_PORT_BASE=26000 node scripts/node.mjs npx tsx bench/drain-memory.ts ${size}${observe ? ' observe' : ''}`,
      startedAt, size, nodeOptions, mallocArenaMax: mallocArenaMax ?? null, load: os.loadavg(), summary, phases, ready, warm, after, samples,
    };
    await fs.writeFile(path.join(projectRoot, 'bench', 'results', `drain-memory.${size}${observe ? '.observe' : ''}.json`), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  });
}

await main();
