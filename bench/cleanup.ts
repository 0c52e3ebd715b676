import type { Client, WorkflowHandle } from '@temporalio/client';
import { abortRun, terminateRun } from '../client/drills.js';

// Every drill a benchmark starts is registered here, so a benchmark that fails half-way leaves
// no drill holding nodes for the benchmarks after it: open ones are aborted (their restore runs)
// and, if they do not end in time, terminated.

const started = new Map<string, WorkflowHandle>();

export function trackDrill<H extends WorkflowHandle>(handle: H): H {
  started.set(handle.workflowId, handle);
  return handle;
}

async function isOpen(handle: WorkflowHandle): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch {
    return false;
  }
}

/** Ends the tracked drills still running; returns how many there were. */
export async function endOpenDrills(client: Client, waitMs = 30_000): Promise<number> {
  const open = (await Promise.all([...started.values()].map(async (h) => ((await isOpen(h)) ? h : undefined))))
    .filter((h): h is WorkflowHandle => h !== undefined);
  started.clear();
  await Promise.all(open.map(async (h) => {
    await abortRun(client, h.workflowId, 'bench', 'benchmark ended before this drill').catch(() => undefined);
    const ended = await Promise.race([h.result().then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs).unref())]);
    if (!ended) await terminateRun(client, h.workflowId, 'benchmark ended; abort did not finish in time').catch(() => undefined);
  }));
  return open.length;
}
