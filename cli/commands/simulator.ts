import type { Command } from 'commander';
import { loadKubeConfig } from '../../devstack/stack.js';
import { stackPorts } from '../../devstack/ports.js';
import { portOpen } from '../../devstack/procs.js';
import { startSimulator } from '../../simulator/server.js';
import { UsageError } from '../errors.js';
import { STACK_ENV, withHelp } from '../help.js';
import { progressPrinter } from '../progress.js';

// The service simulator on its own, for running the sample drills outside `firedrill demo`
// (which starts one for its own run): their probes name ${FIREDRILL_SIMULATOR_URL}.

export function registerSimulator(program: Command): void {
  const sim = program.command('simulator')
    .description('serve the embedded stack\'s service simulator (HTTP answers from the ready endpoints, the replicated store) until Ctrl-C, on the stack\'s simulator port (base+8, default 18080)')
    .option('--namespace <ns...>', 'namespaces whose services it answers for', ['demo'])
    .action(async (opts: { namespace: string[] }) => {
      const progress = progressPrinter('simulator');
      const port = stackPorts().simulator;
      if (await portOpen(port)) throw new UsageError(`port ${port} is in use: a simulator (or \`firedrill demo\`) already runs there`);
      const s = await startSimulator({ kc: loadKubeConfig(), port, namespaces: opts.namespace });
      progress(`service simulator on ${s.url} for namespace(s) ${opts.namespace.join(', ')}; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await s.close();
    });
  withHelp(sim, {
    environment: STACK_ENV,
    exitCodes: [[0, 'stopped by Ctrl-C or SIGTERM'], [2, 'error: the port is in use, the stack is not running']],
    examples: ['npx firedrill simulator &', 'npx firedrill simulator --namespace demo shop'],
  });
}
