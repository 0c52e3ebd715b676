import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Command } from 'commander';
import { applyManifestFile } from '../../devstack/apply.js';
import { projectRoot } from '../../devstack/paths.js';
import { stackPorts } from '../../devstack/ports.js';
import { loadKubeConfig, stackUp } from '../../devstack/stack.js';
import { waitFor } from '../../devstack/procs.js';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import { startSimulator } from '../../simulator/server.js';
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

/**
 * Restarts the sample Deployments so each run starts from the scheduler's own placement: a
 * previous drill leaves replicas in the surviving zones, which would make the next one trivial.
 */
export async function restartDeployments(kc: k8s.KubeConfig, namespace: string): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const at = new Date().toISOString();
  for (const d of (await apps.listNamespacedDeployment({ namespace })).items) {
    await apps.patchNamespacedDeployment({
      name: d.metadata?.name ?? '', namespace,
      body: { spec: { template: { metadata: { annotations: { 'firedrill.dev/restarted-at': at } } } } },
    }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  }
}

/** Waits until every Deployment and StatefulSet in the namespace has all its replicas ready. */
export async function waitWorkloadReady(kc: k8s.KubeConfig, namespace: string, timeoutMs = 120_000): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  let last = '';
  await waitFor(`the workloads in ${namespace}`, async () => {
    const [d, s] = await Promise.all([apps.listNamespacedDeployment({ namespace }), apps.listNamespacedStatefulSet({ namespace })]);
    // Ready and fully rolled out: no replicas of an older template left.
    const pending = [...d.items, ...s.items]
      .filter((w) => (w.status?.readyReplicas ?? 0) < (w.spec?.replicas ?? 1)
        || (w.status?.updatedReplicas ?? 0) < (w.spec?.replicas ?? 1)
        || (w.status?.replicas ?? 0) > (w.spec?.replicas ?? 1))
      .map((w) => `${w.metadata?.name} ${w.status?.readyReplicas ?? 0}/${w.spec?.replicas ?? 1}`);
    last = pending.join(', ');
    return pending.length === 0;
  }, timeoutMs, async () => `not ready: ${last}`);
}

export function registerDemo(program: Command): void {
  const demo = program.command('demo')
    .description('bring up the embedded stack, apply the sample workload, run the Pangyo-style zone-loss drill with an in-process worker and the service simulator, and write its report to reports/')
    .option('--json', 'print the drill result as JSON at the end')
    .option('--nodes-per-zone <n>', 'simulated nodes per zone', (v) => Number(v), 4)
    .action(async (opts: { json?: boolean; nodesPerZone: number }) => {
      const progress = progressPrinter('demo');
      const up = await stackUp({ nodesPerZone: opts.nodesPerZone, progress });
      progress(`stack ready (Temporal ${up.status.temporalAddress}, UI ${up.status.temporalUiUrl})`);
      const kc = loadKubeConfig();
      progress(`applied ${(await applyManifestFile(kc, DEMO_WORKLOAD)).length} objects of the sample workload`);
      await restartDeployments(kc, 'demo');
      await waitWorkloadReady(kc, 'demo');
      progress('sample workload ready');

      const loaded = await loadDrillFile(DEMO_DRILL);
      if (!loaded.ok) throw new UsageError(loaded.problems.map(formatProblem).join('\n'));
      const sim = await startSimulator({ kc, port: stackPorts().simulator, namespaces: ['demo'] });
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
        const dir = path.join(process.env.FIREDRILL_REPORT_DIR ?? loaded.spec.report.outDir, result.drill.name, result.run.workflowId);
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          process.stdout.write(`\n${summaryLines(result).join('\n')}\n`);
          // Name what is really there: the PDF is only written where Chromium is.
          const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => !f.endsWith('.tmp')).sort();
          process.stdout.write(`\nreport: ${dir}/ (${files.join(', ') || 'nothing written: see the journal'}); history: ${path.dirname(path.dirname(dir))}/index.html\n`);
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
    exitCodes: [[0, 'every objective met'], [1, 'objectives missed (the sample drill misses two by design)'], [2, 'aborted, refused or error']],
    examples: ['npm run demo', 'firedrill demo --json'],
  });
}
