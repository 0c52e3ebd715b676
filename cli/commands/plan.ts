import type { Command } from 'commander';
import { CensusError, formatPlan, loadKubeConfig, planDrill, type Plan, type Where } from '../../activities/census/index.js';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import { withProbeLines } from '../../drills/probe-lines.js';

// `firedrill plan`: read-only. It reads the drill and the cluster, prints the blast-radius census
// and the guard verdict, and changes nothing anywhere.

export const PLAN_EXIT = { allowed: 0, refused: 1, error: 2 } as const;

export interface PlanOptions {
  json?: boolean;
  context?: string;
  workerNode?: string;
  temporalNode?: string[];
}

export interface PlanOutcome {
  exitCode: number;
  /** For stdout: the readable plan or one JSON document. */
  lines: string[];
  /** For stderr: why there is no plan. */
  errors: string[];
  plan?: Plan;
}

const failed = (errors: string[]): PlanOutcome => ({ exitCode: PLAN_EXIT.error, lines: [], errors });

/** The pure-ish core of the command (reads the file and the cluster); never throws. */
export async function planFile(file: string, opts: PlanOptions = {}): Promise<PlanOutcome> {
  try {
    const loaded = await loadDrillFile(file);
    if (!loaded.ok) return failed(loaded.problems.map(formatProblem));
    const spec = loaded.spec;
    const kc = loadKubeConfig(opts.context ?? spec.target.context);
    const where: Where = {
      workerNode: opts.workerNode,
      temporalNodes: opts.temporalNode?.length ? opts.temporalNode : undefined,
    };
    const plan = await planDrill(spec, kc, where);
    const lines = opts.json ? [JSON.stringify(plan, null, 2)] : withProbeLines(formatPlan(plan), spec);
    return { exitCode: plan.verdict.allowed ? PLAN_EXIT.allowed : PLAN_EXIT.refused, lines, errors: [], plan };
  } catch (err) {
    // Expected failures carry a message meant for the operator; anything else is still one line.
    const message = err instanceof CensusError ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
    return failed([message]);
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('show the blast radius of a drill (the census) and whether its guards allow it; changes nothing')
    .argument('<drill>', 'drill file (YAML), e.g. drills/pangyo-zone-loss.yaml')
    .option('--json', 'print the plan as one JSON document (schemaVersion firedrill.dev/plan/v1)')
    .option('--context <name>', 'kube context to read (default: the drill\'s target.context, else the current context)')
    .option('--worker-node <name>', 'node the firedrill worker runs on, to refuse a drill that takes it away (default: $FIREDRILL_NODE_NAME)')
    .option('--temporal-node <name>', 'node Temporal runs on; repeat or comma-separate for several', collect)
    .addHelpText(
      'after',
      [
        '',
        'The plan lists: the target nodes per zone; every workload with pods in the target and its',
        'ready replicas inside and outside; the workloads that LOSE ALL REPLICAS (single-zone',
        'dependencies); PodDisruptionBudgets that would block a drain; PersistentVolumes that can only',
        'attach inside the target and the pods that therefore cannot move; DaemonSets (ignored by a',
        'drain); pods left in place (protected namespaces, mirror pods) or never recreated (no',
        'controller); where the worker, Temporal and the drill\'s monitoring run; and whether the pods',
        'that must move fit on the remaining nodes (a first-fit-decreasing estimate on requests).',
        '',
        'The verdict applies the drill\'s safety section: an empty target, more nodes than maxNodes,',
        'a larger share than maxFraction, the whole cluster without allowWholeCluster, or the worker,',
        'Temporal or all of a monitoring workload inside the target are refused.',
        '',
        'The cluster comes from KUBECONFIG (or ~/.kube/config). Only list requests are made.',
        '',
        'Environment:',
        '  KUBECONFIG               kubeconfig file (default: the embedded stack\'s, else ~/.kube/config)',
        '  FIREDRILL_NODE_NAME      the node the worker runs on (default of --worker-node)',
        '  FIREDRILL_SIMULATOR_URL  and any other ${NAME} the drill file names',
        '',
        'Exit codes:',
        '  0  the guards allow the drill',
        '  1  the guards refuse it (reasons are printed)',
        '  2  error: invalid drill, no kubeconfig or context, cluster unreachable, permission denied',
      ].join('\n'),
    )
    .action(async (file: string, opts: PlanOptions) => {
      const outcome = await planFile(file, { ...opts, workerNode: opts.workerNode ?? process.env.FIREDRILL_NODE_NAME });
      if (outcome.lines.length) process.stdout.write(`${outcome.lines.join('\n')}\n`);
      for (const e of outcome.errors) process.stderr.write(`firedrill plan: ${e}\n`);
      process.exitCode = outcome.exitCode;
    });
}
