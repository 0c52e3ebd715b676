import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerJanitor } from './commands/janitor.js';
import { registerPlan } from './commands/plan.js';
import { registerReport } from './commands/report.js';
import { registerControl, registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerValidate } from './commands/validate.js';
import { registerWorker } from './commands/worker.js';
import { reportError } from './errors.js';
import { FIREDRILL_VERSION } from '../client/version.js';

const program = new Command();
program
  .name('firedrill')
  .description('Disaster drills for Kubernetes on Temporal: take a zone away on purpose, measure RTO/RPO against targets, always restore, report.')
  .version(FIREDRILL_VERSION)
  .showHelpAfterError()
  // Usage errors (unknown option, missing argument) exit 2 like every other error of the contract.
  .exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
    process.exit(2);
  });

registerValidate(program);
registerPlan(program);
registerRun(program);
registerControl(program);
registerSchedule(program);
registerReport(program);
registerJanitor(program);
registerWorker(program);
registerDev(program);
registerDemo(program);
registerBench(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}
