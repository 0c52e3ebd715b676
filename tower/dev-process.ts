import path from 'node:path';
import { projectRoot } from '../devstack/paths.js';
import { logTail, portOpen, runningPid, startProcess, waitFor } from '../devstack/procs.js';

// `firedrill dev up` runs the tower beside the stack, as one more process it starts and stops by
// pid file. The tower is a convenience there: a busy port or a tower that does not come up is
// said, and never fails the stack.

export const TOWER_PROCESS = 'tower';

export interface StackTowerOptions {
  port: number;
  temporalAddress: string;
  temporalUiUrl: string;
  progress: (m: string) => void;
}

export async function startStackTower(stateDir: string, o: StackTowerOptions): Promise<void> {
  if (await runningPid(stateDir, TOWER_PROCESS)) return;
  if (await portOpen(o.port)) {
    o.progress(`control tower not started: port ${o.port} is in use (FIREDRILL_DEV_PORT_BASE moves it, or run \`firedrill tower --listen\`)`);
    return;
  }
  o.progress(`starting the control tower on http://127.0.0.1:${o.port}`);
  // The reports of `npm run demo` and of drills run from this folder: the store the tower shows.
  const reportDir = path.resolve(process.env.FIREDRILL_REPORT_DIR ?? 'reports');
  await startProcess(stateDir, TOWER_PROCESS, process.execPath, [path.join(projectRoot, 'bin', 'firedrill.js'), 'tower', '--listen', `127.0.0.1:${o.port}`], {
    ...process.env, TEMPORAL_ADDRESS: o.temporalAddress, FIREDRILL_TEMPORAL_UI: o.temporalUiUrl, FIREDRILL_REPORT_DIR: reportDir,
  });
  try {
    await waitFor('the control tower', () => portOpen(o.port), 60_000, () => logTail(stateDir, TOWER_PROCESS));
  } catch (err) {
    o.progress(`control tower did not come up: ${(err as Error).message}`);
  }
}
