import fs from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { StackPorts } from './ports.js';
import { assertPortFree, logTail, runningPid, startProcess, waitFor } from './procs.js';

// The Temporal CLI dev server, started by us rather than the SDK's ephemeral launcher (which
// gives a server five seconds to come up). Its SQLite file lives in the state directory so a
// restart keeps workflow history.

export const TEMPORAL_NAMESPACE = 'default';

/** Custom search attributes the drill and janitor workflows use to find each other. */
export const SEARCH_ATTRIBUTES = ['FiredrillDrill=Keyword', 'FiredrillTarget=Keyword'];

export async function temporalHealthy(ports: StackPorts): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address: `127.0.0.1:${ports.temporal}`, connectTimeout: 2000 });
    await conn.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close();
  }
}

export async function startTemporal(stateDir: string, ports: StackPorts, temporalBin: string, progress: (m: string) => void): Promise<void> {
  if (await runningPid(stateDir, 'temporal')) {
    await waitFor('the Temporal dev server', () => temporalHealthy(ports), 60_000, () => logTail(stateDir, 'temporal'));
    return;
  }
  await assertPortFree(ports.temporal, 'Temporal frontend');
  await assertPortFree(ports.temporalUi, 'Temporal UI');
  await assertPortFree(ports.temporalHttp, 'Temporal HTTP API');
  await assertPortFree(ports.temporalMetrics, 'Temporal metrics');
  const dir = path.join(stateDir, 'temporal');
  await fs.mkdir(dir, { recursive: true });
  progress('starting the Temporal dev server');
  await startProcess(stateDir, 'temporal', temporalBin, [
    'server', 'start-dev',
    '--db-filename', path.join(dir, 'temporal.db'),
    '--ip', '127.0.0.1',
    '--port', String(ports.temporal),
    '--ui-port', String(ports.temporalUi),
    '--http-port', String(ports.temporalHttp),
    '--metrics-port', String(ports.temporalMetrics),
    '--namespace', TEMPORAL_NAMESPACE,
    '--log-level', 'warn',
    ...SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', sa]),
  ]);
  await waitFor('the Temporal dev server', () => temporalHealthy(ports), 90_000, () => logTail(stateDir, 'temporal'));
}
