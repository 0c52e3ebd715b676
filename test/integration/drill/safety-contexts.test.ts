import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import { scheduleIdFor, syncSchedules } from '../../../client/schedule-sync.js';
import { projectRoot } from '../../../devstack/paths.js';
import type { Simulator } from '../../../simulator/server.js';
import { janitorWorkflowType, type JanitorReport } from '../../../workflows/contract.js';
import { drillSpec, httpProbe, startTestSimulator, startWorker, waitForPhase, type TestWorker } from '../../support/drill.js';
import { createNamespace, deleteNamespace, kubeFor, uniqueName } from '../../support/kube.js';
import { createTestNodes, nodesMarkedBy, type TestNodes } from '../../support/safety.js';

// The janitor sweeps every kube context a drill of the synced catalog names, not only the
// default one. The worker's kubeconfig has an unreachable default context and a second context
// (the stack's cluster under another name); a drill runs in the second one and is terminated
// mid-hold. `firedrill janitor` alone sweeps the default context and finds nothing it can read;
// `--context` sweeps the named one; the schedule's janitor (no context) sweeps every context
// of the catalog, says which one it could not read, and restores the drill's nodes.

const stack = inject('stack');
const run = promisify(execFile);

describe('the janitor and kube contexts', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const id = uniqueName('safe-ctx');
  const context = uniqueName('site-x');
  let dir: string;
  let kubeconfig: string;
  let nodes: TestNodes;
  let sim: Simulator;
  let w: TestWorker;
  let scheduleId: string | undefined;

  beforeAll(async () => {
    await createNamespace(kc, id);
    nodes = await createTestNodes(kc, { id, prefix: id, count: 2 });
    sim = await startTestSimulator(kc, id);
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-ctx-'));
    const doc = YAML.parse(await readFile(stack.kubeconfig, 'utf8')) as {
      clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
      users: Array<{ name: string }>;
      contexts: Array<{ name: string; context: Record<string, string> }>;
    };
    const cluster = doc.clusters[0];
    const user = doc.users[0];
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, YAML.stringify({
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'unreachable', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }, cluster],
      users: [user],
      contexts: [
        { name: 'unreachable', context: { cluster: 'unreachable', user: user?.name ?? '' } },
        { name: context, context: { cluster: cluster?.name ?? '', user: user?.name ?? '' } },
      ],
      'current-context': 'unreachable',
    }), { mode: 0o600 });
    w = await startWorker({ ...stack, kubeconfig }, { env: { KUBECONFIG: kubeconfig } });
  });

  afterAll(async () => {
    if (scheduleId) await w?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    await w?.stop();
    await sim?.close();
    await nodes?.remove();
    await deleteNamespace(kc, id);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = async (args: string[]) => (await run(process.execPath, ['bin/firedrill.js', 'janitor', ...args], {
    cwd: projectRoot,
    env: { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_NAMESPACE: stack.temporalNamespace, FIREDRILL_TASK_QUEUE: w.taskQueue, KUBECONFIG: kubeconfig },
  })).stdout;

  it('sweeps the contexts of the synced catalog: a terminated run in a non-default context is restored', async () => {
    const drill = {
      target: { type: 'nodes', selector: nodes.selector, context },
      fault: { mode: 'cordon' },
      timing: { hold: '5m', maxDuration: '10m' },
      safety: { maxFraction: 1 },
      probes: [httpProbe('sim', `${sim.url}/healthz`)],
    };
    // The catalog: this drill, scheduled (paused), synced for the worker's task queue.
    const spec = await drillSpec(drill);
    const catalog = path.join(dir, 'catalog');
    await mkdir(catalog);
    await writeFile(path.join(catalog, 'drill.yaml'), YAML.stringify({
      apiVersion: 'firedrill.dev/v1', kind: 'Drill', metadata: { name: spec.spec.metadata.name, owner: 'integration-tests' },
      ...drill, approval: { required: false }, report: { formats: ['json'] },
      schedule: { cron: '0 3 1 1 *', timezone: 'UTC', enabled: false },
    }));
    await syncSchedules(w.client, { dir: catalog, taskQueue: w.taskQueue });
    scheduleId = scheduleIdFor(spec.spec.metadata.name);

    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    await waitForPhase(handle, 'hold');
    await handle.terminate('integration test: a run lost without its finally');
    expect(await nodesMarkedBy(kc, runId)).toEqual([...nodes.names].sort());

    // The default context only: nothing it can read, and it says so.
    const plain = await cli(['--dry-run']);
    expect(plain).toMatch(/could not sweep context default/);
    expect(plain).not.toMatch(new RegExp(runId));
    // Named: found.
    const named = await cli(['--dry-run', '--context', context]);
    expect(named).toMatch(new RegExp(`would restore 2 node\\(s\\) of ${handle.workflowId} \\[context ${context}\\]`));

    // As the schedule runs it (no context): every context of the catalog.
    const report = (await w.client.workflow.execute(janitorWorkflowType, { taskQueue: w.taskQueue, workflowId: uniqueName('janitor-it'), args: [{}] })) as JanitorReport;
    expect(report.contexts).toEqual([context]);
    expect(report.contextErrors?.map((e) => e.context)).toEqual(['']);
    expect(report.restored.find((x) => x.runId === runId)).toMatchObject({ context, why: 'closed', nodes: [...nodes.names].sort() });
    expect(await nodesMarkedBy(kc, runId)).toEqual([]);
    for (const name of nodes.names) expect((await core.readNode({ name })).spec?.unschedulable, name).toBeFalsy();
  }, 300_000);
});
