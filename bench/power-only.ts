import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../client/connection.js';
import { projectRoot } from '../devstack/paths.js';
import { loadKubeConfig, stackDown, stackUp } from '../devstack/stack.js';
import { endOpenDrills } from './cleanup.js';
import { always200 } from './drills.js';
import { benchStack } from './index.js';
import { benchPower } from './power.js';
import { spawnBenchWorker } from './worker-process.js';

// The power cut alone at the full size's zone (100 nodes), without the drain's placements:
// `node scripts/node.mjs npx tsx bench/power-only.ts [nodes per zone] [rounds]`. Same stack, worker and
// measurement as in `firedrill bench`; writes bench/results/power.<nodes>.json.

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const nodesPerZone = Number(process.argv[2] ?? 100);
  const rounds = Number(process.argv[3] ?? 5);
  // The CLI's printer is the CLI's: a line per step with the seconds since the start is enough here.
  const t0 = Date.now();
  const progress = (m: string) => process.stderr.write(`bench [${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${m}\n`);
  const { ports, stateDir, portBase } = benchStack();
  process.env.FIREDRILL_DEV_PORT_BASE = portBase;
  process.env.FIREDRILL_STATE_DIR = stateDir;
  const reportDir = await fs.mkdtemp(path.join(os.tmpdir(), 'firedrill-bench-'));
  const opened: Array<() => Promise<void>> = [];
  try {
    const up = await stackUp({ nodesPerZone, progress }, stateDir, ports);
    const security = up.status.temporal.tls;
    const { client, close } = await connect({
      address: up.status.temporalAddress, namespace: up.status.temporalNamespace, taskQueue: '', ...(security ? { security } : {}),
    });
    opened.unshift(close);
    const ok = await always200();
    opened.unshift(ok.close);
    const worker = await spawnBenchWorker(client, {
      temporalAddress: up.status.temporalAddress, temporalNamespace: up.status.temporalNamespace, kubeconfig: up.status.kubeconfig,
      taskQueue: `firedrill-bench-power-${Date.now()}`, reportDir,
    });
    opened.unshift(() => worker.stop());
    opened.unshift(async () => { await endOpenDrills(client); });
    const power = await benchPower({ client, taskQueue: worker.taskQueue, kc: loadKubeConfig(stateDir), progress }, ok.url, rounds);
    const out = { command: `node scripts/node.mjs npx tsx bench/power-only.ts ${nodesPerZone} ${rounds}`, startedAt, nodesPerZone, rounds, load: os.loadavg(), power };
    await fs.writeFile(path.join(projectRoot, 'bench', 'results', `power.${power.nodes}.json`), `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    // Everything opened, last first, then the stack, even when it came up only in part.
    for (const close of opened) await close().catch(() => undefined);
    await fs.rm(reportDir, { recursive: true, force: true });
    await stackDown(stateDir);
  }
}

await main();
