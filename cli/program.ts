import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerDeploy } from './commands/deploy.js';
import { registerSimulator } from './commands/simulator.js';
import { registerDev } from './commands/dev.js';
import { registerJanitor } from './commands/janitor.js';
import { registerPlan } from './commands/plan.js';
import { registerReport } from './commands/report.js';
import { registerControl, registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerTower } from './commands/tower.js';
import { registerValidate } from './commands/validate.js';
import { registerWorker } from './commands/worker.js';
import { applyStackDefaults } from './env.js';
import { environmentHelp } from './help.js';
import { FIREDRILL_VERSION } from '../client/version.js';

// The firedrill command line: every command registered on one commander program, built by a
// function so tests can read every command's help without running anything.

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('firedrill')
    .description('Disaster drills for Kubernetes on Temporal: take a zone away on purpose, measure RTO/RPO against targets, always restore, report.')
    .version(FIREDRILL_VERSION)
    .showHelpAfterError()
    .addHelpText('after', `${environmentHelp()}

  Run it as \`npx firedrill <command>\` from a checkout (or \`npm link\` once for a plain \`firedrill\`).
  Every command has --help with its environment and exit codes.`)
    // One resolution of the configuration for every command: unset variables the running embedded
    // stack can answer take its values (the dev commands manage the stack itself).
    .hook('preAction', (_program, action) => {
      let top = action;
      while (top.parent && top.parent !== program) top = top.parent;
      if (top.name() !== 'dev') applyStackDefaults(process.env);
    })
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
  registerDeploy(program);
  registerTower(program);
  registerDemo(program);
  registerSimulator(program);
  registerBench(program);
  // Bare `firedrill` is a request for help, answered on stdout like --help.
  program.action(() => { program.outputHelp(); });
  return program;
}
