import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { applyManifestFile } from '../../devstack/apply.js';
import { projectRoot } from '../../devstack/paths.js';
import { stackPorts } from '../../devstack/ports.js';
import { loadKubeConfig, stackUp } from '../../devstack/stack.js';
import { restartDeployments, waitWorkloadReady } from '../../devstack/workloads.js';
import { applySiteWorkloads, siteClients, siteTruthLines, SITE_DRILL, startSiteSimulator } from '../../devstack/site-demo.js';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import { startSimulator } from '../../simulator/server.js';
import { runDir } from '../../report/store.js';
import { loadConfig } from '../../worker/config.js';
import { createLogger } from '../../worker/logger.js';
import { createDrillWorker } from '../../worker/worker.js';
import { followDrill, startDrill } from '../../client/drills.js';
import { exitCodeFor, summaryLines } from '../summary.js';
import { UsageError } from '../errors.js';
import { progressPrinter } from '../progress.js';
import { printEntry } from '../follow.js';
import { STACK_ENV, withHelp } from '../help.js';

export const DEMO_DRILL = path.join(projectRoot, 'drills', 'pangyo-zone-loss.yaml');
export const DEMO_WORKLOAD = path.join(projectRoot, 'demo', 'workload.yaml');

export function registerDemo(program: Command): void {
  const demo = program.command('demo')
    .description('bring up the embedded stack, apply the sample workload, run the Pangyo-style zone-loss drill with an in-process worker and the service simulator, and write its report to reports/')
    .option('--json', 'print the drill result as JSON at the end')
    .option('--nodes-per-zone <n>', 'simulated nodes per zone', (v) => Number(v), 4)
    .option('--sites <n>', '2: two clusters (site-a, site-b) and the whole-site drill drills/pangyo-site-loss.yaml', (v) => Number(v), 1)
    .action(async (opts: { json?: boolean; nodesPerZone: number; sites: number }) => {
      const progress = progressPrinter('demo');
      if (opts.sites !== 1 && opts.sites !== 2) throw new UsageError(`--sites must be 1 or 2, got ${opts.sites}`);
      const twoSites = opts.sites === 2;
      const up = await stackUp({ nodesPerZone: opts.nodesPerZone, sites: twoSites ? 2 : 1, progress });
      progress(`stack ready (Temporal ${up.status.temporalAddress}, UI ${up.status.temporalUiUrl})`);
      const kc = loadKubeConfig();
      const sites = twoSites ? siteClients(up.status.kubeconfig) : undefined;
      if (sites) await applySiteWorkloads(sites, progress);
      else {
        progress(`applied ${(await applyManifestFile(kc, DEMO_WORKLOAD)).length} objects of the sample workload`);
        await restartDeployments(kc, 'demo');
        await waitWorkloadReady(kc, 'demo');
      }
      progress('sample workload ready');

      const loaded = await loadDrillFile(sites ? SITE_DRILL : DEMO_DRILL);
      if (!loaded.ok) throw new UsageError(loaded.problems.map(formatProblem).join('\n'));
      const sim = sites
        ? await startSiteSimulator(sites, stackPorts().simulator)
        : await startSimulator({ kc, port: stackPorts().simulator, namespaces: ['demo'] });
      progress(`service simulator on ${sim.url}`);
      const config = loadConfig({
        ...process.env,
        TEMPORAL_ADDRESS: up.status.temporalAddress,
        FIREDRILL_TASK_QUEUE: 'firedrill-demo',
        KUBECONFIG: up.status.kubeconfig,
        FIREDRILL_LOG_LEVEL: process.env.FIREDRILL_LOG_LEVEL ?? 'warn',
      });
      const dw = await createDrillWorker(config, createLogger({ level: config.FIREDRILL_LOG_LEVEL }));
      try {
        const result = await dw.worker.runUntil(async () => {
          const handle = await startDrill(dw.client, { taskQueue: config.FIREDRILL_TASK_QUEUE, uiUrl: up.status.temporalUiUrl }, loaded.spec, loaded.sha256, { approvedBy: 'demo' });
          progress(`drill started: ${handle.workflowId} (watch it in the Temporal UI)`);
          return followDrill(handle, (e) => printEntry(e, false));
        });
        // The demo's worker writes to a directory store: FIREDRILL_REPORT_DIR, else ./reports.
        const root = process.env.FIREDRILL_REPORT_DIR ?? 'reports';
        const dir = runDir(root, result, loaded.spec.report.outDir);
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          process.stdout.write(`\n${summaryLines(result).join('\n')}\n`);
          if (sites) process.stdout.write(`\n${(await siteTruthLines(sim.url, result.run.startedAt, result.restore?.endedAt)).join('\n')}\n`);
          // Name what is really there: the PDF is only written where Chromium is.
          const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => !f.endsWith('.tmp')).sort();
          process.stdout.write(`\nreport: ${dir}/ (${files.join(', ') || 'nothing written: see the journal'}); history: ${path.join(root, 'index.html')}\n`);
          if (result.run.temporalUiUrl) process.stdout.write(`history of the run in Temporal: ${result.run.temporalUiUrl}\n`);
          process.stdout.write('the stack keeps running: `firedrill dev down` stops it\n');
        }
        process.exitCode = exitCodeFor(result);
      } finally {
        await sim.close();
        await dw.close();
      }
    });
  withHelp(demo, {
    environment: [...STACK_ENV, 'FIREDRILL_REPORT_DIR', 'FIREDRILL_CHROMIUM'],
    exitCodes: [[0, 'every objective met'], [1, 'objectives missed (both sample drills miss some by design)'], [2, 'aborted, refused or error']],
    examples: ['npm run demo', 'firedrill demo --json', 'firedrill demo --sites 2'],
  });
}
