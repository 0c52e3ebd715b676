import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ACTIONS_ANNOTATION, markAnnotations, OWNER_ANNOTATION, PRIOR_ANNOTATION, readMark, RUN_LABEL, WORKFLOW_ANNOTATION,
} from '../../../activities/faults/marks.js';
import { projectRoot } from '../../../devstack/paths.js';
import { janitorWorkflowType, type JanitorReport } from '../../../workflows/contract.js';
import { startWorker, type TestWorker } from '../../support/drill.js';
import { kubeFor, uniqueName } from '../../support/kube.js';
import { clusterUid, createTestNodes, patchNode, type TestNodes } from '../../support/safety.js';

// Whose marks a janitor may act on. Marks written by another installation (another Temporal
// namespace and task queue) are left alone before their deadline, even though their workflow
// is "not found" here; marks that do not verify (no owner, a malformed owner, no workflow id) are
// neither restored nor skipped in silence: `firedrill janitor --dry-run` lists each with its
// reason, and `--run <id>` restores one an operator has checked. The marks are written by hand,
// as another installation or an older firedrill would have left them, on this file's own nodes.

const stack = inject('stack');
const run = promisify(execFile);

describe('janitor ownership', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const id = uniqueName('safe-own');
  let nodes: TestNodes;
  let w: TestWorker;
  let foreign: string, malformed: string, noWorkflow: string, legacy: string;

  beforeAll(async () => {
    nodes = await createTestNodes(kc, { id, prefix: id, count: 4 });
    [foreign, malformed, noWorkflow, legacy] = nodes.names as [string, string, string, string];
    w = await startWorker(stack);
  });

  afterAll(async () => {
    await w?.stop();
    await nodes?.remove();
  });

  /** Cordons a node and marks it with `annotations` under run `runId`, as a drill would have. */
  const mark = (name: string, runId: string, annotations: Record<string, string>) =>
    patchNode(kc, name, { metadata: { labels: { [RUN_LABEL]: runId }, annotations }, spec: { unschedulable: true } });

  const cli = async (args: string[]) => {
    const { stdout } = await run(process.execPath, ['bin/firedrill.js', 'janitor', ...args], {
      cwd: projectRoot,
      env: {
        ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_NAMESPACE: stack.temporalNamespace,
        FIREDRILL_TASK_QUEUE: w.taskQueue, KUBECONFIG: stack.kubeconfig,
      },
    });
    return stdout;
  };

  it('leaves another installation\'s marks and marks that do not verify alone, lists each with its reason, and restores one only when named', async () => {
    const uid = await clusterUid(kc);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const nodeUid = async (name: string) => (await core.readNode({ name })).metadata?.uid ?? '';
    const runs = { foreign: randomUUID(), malformed: randomUUID(), noWorkflow: randomUUID(), legacy: randomUUID() };
    // Another installation: a complete, valid mark of a namespace and task queue this janitor is not.
    await mark(foreign, runs.foreign, markAnnotations({
      runId: runs.foreign, workflowId: 'drill-of-another-installation', prior: { unschedulable: false }, actions: ['cordon'],
      owner: { namespace: 'another-namespace', taskQueue: 'another-queue', cluster: uid }, restoreBy: future, markedAt: new Date().toISOString(), nodeUid: await nodeUid(foreign),
    }));
    await mark(malformed, runs.malformed, {
      ...markAnnotations({
        runId: runs.malformed, workflowId: 'drill-x', prior: { unschedulable: false }, actions: ['cordon'],
        owner: { namespace: stack.temporalNamespace, taskQueue: w.taskQueue, cluster: uid }, restoreBy: future, markedAt: new Date().toISOString(), nodeUid: await nodeUid(malformed),
      }),
      [OWNER_ANNOTATION]: 'not json',
    });
    const withoutWorkflow = markAnnotations({
      runId: runs.noWorkflow, workflowId: '', prior: { unschedulable: false }, actions: ['cordon'],
      owner: { namespace: stack.temporalNamespace, taskQueue: w.taskQueue, cluster: uid }, restoreBy: future, markedAt: new Date().toISOString(), nodeUid: await nodeUid(noWorkflow),
    });
    delete withoutWorkflow[WORKFLOW_ANNOTATION];
    await mark(noWorkflow, runs.noWorkflow, withoutWorkflow);
    // An older firedrill's mark: label, workflow id, prior state and actions; no owner, no deadline.
    await mark(legacy, runs.legacy, { [WORKFLOW_ANNOTATION]: 'drill-of-an-older-firedrill', [PRIOR_ANNOTATION]: '{"unschedulable":false}', [ACTIONS_ANNOTATION]: 'cordon' });

    // The dry run names every one of them and why it is left.
    const dry = await cli(['--dry-run']);
    const line = (node: string) => dry.split('\n').find((l) => l.includes(node)) ?? `(no line for ${node} in:\n${dry})`;
    expect(line(foreign)).toMatch(/owned by namespace another-namespace, task queue another-queue/);
    expect(line(malformed)).toMatch(/owner is malformed/);
    expect(line(noWorkflow)).toMatch(/names no workflow id/);
    expect(line(legacy)).toMatch(/names no owner.*no restore-by deadline/);
    expect(line(legacy)).toMatch(new RegExp(`--run ${runs.legacy}`));
    console.info(`[safety-owners] firedrill janitor --dry-run:\n${dry}`);

    // The janitor proper touches none of them.
    const report = (await w.client.workflow.execute(janitorWorkflowType, { taskQueue: w.taskQueue, workflowId: uniqueName('janitor-it'), args: [{}] })) as JanitorReport;
    const restoredRuns = report.restored.map((x) => x.runId);
    for (const r of Object.values(runs)) expect(restoredRuns).not.toContain(r);
    for (const name of nodes.names) {
      const n = await core.readNode({ name });
      expect(n.spec?.unschedulable, name).toBe(true);
      expect(readMark(n), name).toBeDefined();
    }
    expect(report.problems?.map((p) => p.node).sort()).toEqual(expect.arrayContaining([malformed, noWorkflow, legacy].sort()));
    expect(report.otherOwners?.map((p) => p.runId)).toContain(runs.foreign);

    // An operator checked the legacy mark: --run restores exactly that one.
    const named = await cli(['--run', runs.legacy]);
    expect(named).toMatch(new RegExp(`restored 1 node\\(s\\) of drill-of-an-older-firedrill: ${legacy} \\(named with --run\\)`));
    const after = await core.readNode({ name: legacy });
    expect(after.spec?.unschedulable).toBeFalsy();
    expect(readMark(after)).toBeUndefined();
    for (const name of [foreign, malformed, noWorkflow]) expect((await core.readNode({ name })).spec?.unschedulable, name).toBe(true);
  });
});
