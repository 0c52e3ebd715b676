import type { Command } from 'commander';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { createLogger } from '../../worker/logger.js';
import { createDrillWorker } from '../../worker/worker.js';
import { janitorWorkflowType } from '../../workflows/contract.js';
import { resolveConfig } from '../env.js';
import { REPORT_STORE_ENV, TEMPORAL_ENV, withHelp } from '../help.js';

export const JANITOR_SCHEDULE_ID = 'firedrill-janitor';

export function registerWorker(program: Command): void {
  const worker = program.command('worker')
    .description('run a firedrill worker: executes drills and the janitor from the task queue (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, FIREDRILL_TASK_QUEUE, KUBECONFIG)')
    .option('--no-janitor-schedule', 'do not create the janitor schedule (every 5 minutes) when it is missing')
    .action(async (opts: { janitorSchedule: boolean }) => {
      const config = resolveConfig();
      const log = createLogger();
      const dw = await createDrillWorker(config, log);
      if (opts.janitorSchedule) {
        try {
          await dw.client.schedule.create({
            scheduleId: JANITOR_SCHEDULE_ID,
            spec: { intervals: [{ every: '5 minutes' }] },
            action: { type: 'startWorkflow', workflowType: janitorWorkflowType, taskQueue: config.FIREDRILL_TASK_QUEUE, args: [{}] },
            policies: { overlap: ScheduleOverlapPolicy.SKIP },
          });
          log.info({ scheduleId: JANITOR_SCHEDULE_ID }, 'janitor schedule created');
        } catch (err) {
          if ((err as Error).name !== 'ScheduleAlreadyRunning') log.warn({ err: (err as Error).message }, 'janitor schedule not created');
        }
      }
      log.info({ taskQueue: config.FIREDRILL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS }, 'worker started');
      const stop = () => dw.worker.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await dw.worker.run();
      await dw.close();
    });
  withHelp(worker, {
    environment: [...TEMPORAL_ENV, 'KUBECONFIG', ...REPORT_STORE_ENV, 'FIREDRILL_LOG_LEVEL', 'FIREDRILL_NODE_NAME', 'FIREDRILL_CHROMIUM', 'FIREDRILL_SIGNING_KEY', 'FIREDRILL_POLICY_FILE', 'FIREDRILL_PROBE_*'],
    exitCodes: [[0, 'stopped by SIGINT or SIGTERM after finishing its current tasks'], [2, 'error: bad configuration, Temporal unreachable']],
    examples: ['firedrill worker', 'FIREDRILL_TASK_QUEUE=drills-zone-b firedrill worker --no-janitor-schedule'],
  });
}
