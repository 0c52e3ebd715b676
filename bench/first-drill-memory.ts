import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../devstack/paths.js';
import { deploymentMallocArenaMax, deploymentNodeOptions } from './deployment-options.js';
import { WARM_LABEL } from './drain.js';
import { setNodeLabel, zoneNodes } from './kube.js';
import { point, smallDrill } from './memory-points.js';
import { standalone } from './standalone.js';

// Where a worker's one-time growth over its first drill goes: a `firedrill worker` with the
// deployment's NODE_OPTIONS and MALLOC_ARENA_MAX, measured ready, after a first small drill and after a second one.
// Each point (bench/memory-points.ts) is read after a full collection.
//   FIREDRILL_BENCH_PORT_BASE=26000 node scripts/node.mjs npx tsx bench/first-drill-memory.ts [drills]
// Writes bench/results/first-drill-memory.json.

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
      const outcome = await smallDrill(client, w, probeUrl, `bench-first-drill-${i}`);
      points.push(await point(`after drill ${i} (${outcome})`, w));
      progress(`${points.at(-1)?.label}: ${JSON.stringify(points.at(-1))}`);
    }
    const out = { command: `node scripts/node.mjs npx tsx bench/first-drill-memory.ts ${drills}`, startedAt, nodeOptions, mallocArenaMax: mallocArenaMax ?? null, load: os.loadavg(), points };
    await fs.writeFile(path.join(projectRoot, 'bench', 'results', 'first-drill-memory.json'), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}

await main();
