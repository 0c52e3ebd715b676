import { Command } from 'commander';
import { registerDev } from './commands/dev.js';
import { reportError } from './errors.js';

const program = new Command();
program
  .name('firedrill')
  .description('Disaster drills for Kubernetes on Temporal: take a zone away on purpose, measure RTO/RPO against targets, always restore, report.')
  .version('0.1.0')
  .showHelpAfterError();

registerDev(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}
