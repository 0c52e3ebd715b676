import type { Command } from 'commander';
import { formatFleet, formatTable, runBench, runFleet, type BenchSize } from '../../bench/index.js';
import { UsageError } from '../errors.js';
import { progressPrinter } from '../progress.js';
import { STACK_ENV, withHelp } from '../help.js';

export function registerBench(program: Command): void {
  const bench = program.command('bench')
    .description('run the benchmarks (zone drain, abort latency, history size, worker memory, RTO accuracy) on a simulated cluster of their own; writes bench/results/<size>.json')
    .option('--size <size>', 'quick (10 nodes per zone, 300 pods), mid (34 nodes per zone, 1,000 pods: the growth curves\' middle point) or full (100 nodes per zone, 3,000 pods)', 'quick')
    .option('--json', 'print the results as JSON instead of a table')
    .option('--keep-stack', 'leave the benchmark stack running afterwards')
    .option('--no-semi-space', 'skip the second firedrill drain, through a worker with the deployment\'s NODE_OPTIONS (deploy/40-worker.yaml)')
    .option('--second-worker <node-options>', 'NODE_OPTIONS of the second drain\'s worker instead of the deployment\'s (e.g. "--max-old-space-size=160")')
    .option('--only <benchmark>', 'fleet: only the fleet figures (N concurrent drills on the real Temporal server; writes bench/results/fleet.<size>.json)')
    .action(async (opts: { size: string; json?: boolean; keepStack?: boolean; semiSpace: boolean; secondWorker?: string; only?: string }) => {
      if (opts.size !== 'quick' && opts.size !== 'mid' && opts.size !== 'full') throw new UsageError(`--size must be quick, mid or full, got "${opts.size}"`);
      if (opts.only !== undefined && opts.only !== 'fleet') throw new UsageError(`--only must be fleet, got "${opts.only}"`);
      if (opts.only === 'fleet' && opts.size === 'mid') throw new UsageError('--only fleet takes --size quick or full');
      if (opts.only === 'fleet') {
        const fleet = await runFleet({ size: opts.size as 'quick' | 'full', keepStack: opts.keepStack ?? false, progress: progressPrinter('bench') });
        process.stdout.write(opts.json ? `${JSON.stringify(fleet, null, 2)}\n` : formatFleet(fleet));
        return;
      }
      const results = await runBench({ size: opts.size as BenchSize, keepStack: opts.keepStack ?? false, semiSpaceRun: opts.semiSpace, ...(opts.secondWorker ? { secondNodeOptions: opts.secondWorker } : {}), progress: progressPrinter('bench') });
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : formatTable(results));
      process.exitCode = results.targets.every((t) => t.met) ? 0 : 1;
    });
  withHelp(bench, {
    environment: STACK_ENV,
    exitCodes: [[0, 'every benchmark ran and met its target'], [1, 'every benchmark ran; a target was missed (see the table)'], [2, 'a benchmark could not run']],
    examples: ['npm run bench -- --size quick', 'npm run bench -- --size full --json', 'npm run bench -- --only fleet --size full'],
  });
}
