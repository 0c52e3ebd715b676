import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../devstack/paths.js';
import { benchPower } from './power.js';
import { standalone } from './standalone.js';

// The power cut alone at the full size's zone (100 nodes), without the drain's placements:
// `node scripts/node.mjs npx tsx bench/power-only.ts [nodes per zone] [rounds]`. Same stack, worker and
// measurement as in `firedrill bench`; writes bench/results/power.<nodes>.json.

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const nodesPerZone = Number(process.argv[2] ?? 100);
  const rounds = Number(process.argv[3] ?? 5);
  await standalone(nodesPerZone, async ({ client, kc, probeUrl, progress, worker }) => {
    const w = await worker({ taskQueue: `firedrill-bench-power-${Date.now()}` });
    const power = await benchPower({ client, taskQueue: w.taskQueue, kc, progress }, probeUrl, rounds);
    const out = { command: `node scripts/node.mjs npx tsx bench/power-only.ts ${nodesPerZone} ${rounds}`, startedAt, nodesPerZone, rounds, load: os.loadavg(), power };
    await fs.writeFile(path.join(projectRoot, 'bench', 'results', `power.${power.nodes}.json`), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  });
}

await main();
