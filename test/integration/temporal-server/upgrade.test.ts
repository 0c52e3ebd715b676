import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import { projectRoot } from '../../../devstack/paths.js';
import type { DrillResult } from '../../../report/result.js';
import {
  connectClient, drillSpec, httpProbe, killProcess, spawnWorkerProcess, startWorker, temporalTargetFor, waitForPhase, workerLog, type TestWorker,
} from '../../support/drill.js';
import { kubeFor, uniqueName } from '../../support/kube.js';
import { labelNode, startOkServer, type LabelledNode } from '../schedule/support.js';

// An upgrade with a drill running, on the real server: the drill starts on a worker of the
// current code, that worker dies mid-hold, and a worker of the "next release" takes the run
// over. The next release changes the drill workflow behind patched(): it replays the history
// and its new code runs for the rest of the drill. The same change without patched() fails to
// replay that history, which is what the replay suite (test/unit/workflows/replay.test.ts)
// catches before a release. Worker Deployment Versioning is not used (README, "Worker versions
// and running drills").

const stack = inject('serverStack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NOTE = 'restore run by the next release';

/** The workflow code of the checkout with one edit to drill.ts, bundled like a worker bundles it. */
async function nextRelease(edit: (drillTs: string) => string): Promise<{ code: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-next-release-'));
  try {
    const src = path.join(projectRoot, 'workflows');
    for (const f of (await readdir(src)).filter((n) => n.endsWith('.ts'))) {
      // The copy lives outside the checkout: its imports of the rest of the project become absolute.
      let text = (await readFile(path.join(src, f), 'utf8')).replace(/from '\.\.\//g, `from '${projectRoot}/`);
      if (f === 'drill.ts') text = edit(text);
      await writeFile(path.join(dir, f), text);
    }
    return await bundleWorkflowCode({
      workflowsPath: path.join(dir, 'index.ts'),
      logger: new DefaultLogger('WARN'),
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), path.join(projectRoot, 'node_modules')] },
      }),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function replaceOnce(text: string, anchor: string, by: string): string {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0) throw new Error(`workflows/drill.ts no longer has exactly one \`${anchor.trim()}\`: update this test's edit`);
  return text.slice(0, at) + by + text.slice(at + anchor.length);
}

/** A new step right before the restore, behind a patch: what a compatible change looks like. */
const guarded = (t: string) => replaceOnce(t, "        journal.enter('restore');\n",
  `        if (patched('upgrade-test-note')) journal.add('info', '${NOTE}');\n        journal.enter('restore');\n`);
/** A new timer at the start of every drill, unguarded: what a breaking change looks like. */
const unguarded = (t: string) => replaceOnce(replaceOnce(t, 'CancellationScope, condition,', 'CancellationScope, condition, sleep,'),
  '  const info = workflowInfo();\n', "  const info = workflowInfo();\n  await sleep('1 ms');\n");

describe('a worker upgrade while a drill runs on the real Temporal server', () => {
  const kc = kubeFor(stack);
  const taskQueue = uniqueName('srv-upgrade');
  const children: ChildProcess[] = [];
  let node: LabelledNode;
  let server: Awaited<ReturnType<typeof startOkServer>>;
  let client: Client;
  let closeClient: () => Promise<void>;
  let next: TestWorker | undefined;
  let bundles: { guarded: { code: string }; unguarded: { code: string } };

  beforeAll(async () => {
    node = await labelNode(kc, uniqueName('srv-upgrade'));
    server = await startOkServer();
    ({ client, close: closeClient } = await connectClient(stack));
    bundles = { guarded: await nextRelease(guarded), unguarded: await nextRelease(unguarded) };
  });

  afterAll(async () => {
    for (const c of children) await killProcess(c, 'SIGKILL');
    await next?.stop();
    await closeClient?.();
    await server?.close();
    const cordoned = await node?.unschedulable();
    await node?.release();
    expect(cordoned).toBe(false);
  });

  it('the next release takes over mid-hold behind patched() and finishes the drill; unguarded, the same change fails to replay', async () => {
    const s = await drillSpec({
      target: { type: 'nodes', selector: node.selector },
      fault: { mode: 'cordon' },
      timing: { hold: '45s', maxDuration: '4m' },
      // The handover leaves the probe unobserved for about the heartbeat timeout (10 s).
      probes: [httpProbe('web', server.url, { tolerance: { stableFor: '20s' } })],
      objectives: [{ type: 'rto', probe: 'web', target: '45s' }],
      safety: { maxFraction: 0.5 },
    });
    const current = await spawnWorkerProcess(stack, taskQueue);
    children.push(current);
    const handle = await startDrill(client, temporalTargetFor(stack, taskQueue), s.spec, s.sha256, { approvedBy: 'integration-test' });
    await waitForPhase(handle, 'hold', 120_000).catch((err: Error) => { throw new Error(`${err.message}\n${workerLog(current)}`); });
    await sleep(2_000);
    const midHold = await handle.fetchHistory();

    // The replay suite's check, on this run's history: the patched change replays, the other does not.
    await Worker.runReplayHistory({ workflowBundle: bundles.guarded, replayName: 'guarded' }, midHold, handle.workflowId);
    await expect(Worker.runReplayHistory({ workflowBundle: bundles.unguarded, replayName: 'unguarded' }, midHold, handle.workflowId))
      .rejects.toThrow(/[Nn]ondetermin/);

    await killProcess(current, 'SIGKILL');
    next = await startWorker(stack, { taskQueue, workflowBundle: bundles.guarded });
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, `${r.outcomeReason}\n${workerLog(current)}`).toBe('passed');
    // The new code ran for the rest of this drill, and no workflow task failed on the way.
    expect(r.journal.map((e) => e.message)).toContain(NOTE);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    expect(r.injection?.nodes.map((n) => ({ name: n.name, restored: n.restored }))).toEqual([{ name: node.name, restored: true }]);
    expect(await node.unschedulable()).toBe(false);
  });
});
