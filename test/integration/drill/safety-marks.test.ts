import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KEEP_CORDONED_ANNOTATION, RUN_LABEL, TAINT_KEY } from '../../../activities/faults/marks.js';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import { approveSignal } from '../../../workflows/contract.js';
import { activityAttempts, drillSpec, httpProbe, startTestSimulator, startWorker, waitForPhase, type TestWorker } from '../../support/drill.js';
import { createNamespace, deleteNamespace, eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { createTestNodes, kubectl, type TestNodes } from '../../support/safety.js';

// Marks edited and nodes changed by others during a drill, and nodes that come and go. Restore
// finds a node whose run label was removed (by its run-id annotation and the workflow's own
// record), leaves what others set during the drill as they set it (taints, labels, a cordon
// kept with firedrill.dev/keep-cordoned), never "restores" a node recreated under an old name,
// skips a node deleted before injection without retrying, and reports nodes that joined the
// target. Every case works on nodes of its own (kwok plays them); changes are made with kubectl,
// as an operator would.

const stack = inject('stack');

describe('marks and nodes others change during a drill', () => {
  const kc = kubeFor(stack);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const id = uniqueName('safe-marks');
  const sets: TestNodes[] = [];
  let sim: Simulator;
  let w: TestWorker;

  beforeAll(async () => {
    await createNamespace(kc, id);
    sim = await startTestSimulator(kc, id);
    w = await startWorker(stack);
  });

  afterAll(async () => {
    await w?.stop();
    await sim?.close();
    for (const s of sets) await s.remove();
    await deleteNamespace(kc, id);
  });

  const nodesOf = async (n: number) => {
    const set = await createTestNodes(kc, { id: uniqueName(id), prefix: uniqueName('sm'), count: n });
    sets.push(set);
    return set;
  };
  const specFor = (set: TestNodes, extra: Record<string, unknown> = {}) => drillSpec({
    target: { type: 'nodes', selector: set.selector },
    fault: { mode: 'power-loss' },
    timing: { hold: '15s', maxDuration: '3m' },
    safety: { maxFraction: 1 },
    probes: [httpProbe('sim', `${sim.url}/healthz`)],
    ...extra,
  });
  const firedrillMeta = (n: k8s.V1Node) => [
    ...Object.keys(n.metadata?.labels ?? {}), ...Object.keys(n.metadata?.annotations ?? {}),
  ].filter((k) => k.startsWith('firedrill.dev/')).sort();
  const journalOf = (r: DrillResult) => r.journal.map((e) => e.message).join('\n');

  it('a removed run label does not strand a node; taints, labels and a cordon others set during the hold stay as they set them, and the report says so', async () => {
    const set = await nodesOf(3);
    const [a, b, c] = set.names as [string, string, string];
    const spec = await specFor(set);
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    await waitForPhase(handle, 'hold');
    await kubectl(stack, ['label', 'node', a, `${RUN_LABEL}-`]);
    await kubectl(stack, ['taint', 'node', b, 'firedrill-test/ops=oncall:NoSchedule']);
    await kubectl(stack, ['label', 'node', b, 'ops-team=oncall']);
    await kubectl(stack, ['annotate', 'node', c, `${KEEP_CORDONED_ANNOTATION}=true`]);
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome, r.outcomeReason).toBe('passed');
    const journal = journalOf(r);
    // a: found without its label, restored completely, the edit reported.
    const na = await core.readNode({ name: a });
    expect(na.spec?.unschedulable).toBeFalsy();
    expect(na.spec?.taints?.some((t) => t.key === TAINT_KEY)).toBe(false);
    expect(firedrillMeta(na)).toEqual([]);
    expect(r.restore?.nodes.find((n) => n.name === a)).toMatchObject({ restored: true, note: expect.stringMatching(/mark edited by someone else: its run label was removed/) });
    expect(journal).toMatch(new RegExp(`node ${a}: its mark was edited by someone else \\(its run label was removed`));
    // b: the drill's taint and cordon gone; the operator's taint and label kept, and listed with who set them.
    const nb = await core.readNode({ name: b });
    expect(nb.spec?.unschedulable).toBeFalsy();
    expect(nb.spec?.taints?.map((t) => `${t.key}=${t.value}:${t.effect}`)).toEqual(expect.arrayContaining(['firedrill-test/ops=oncall:NoSchedule']));
    expect(nb.spec?.taints?.some((t) => t.key === TAINT_KEY)).toBe(false);
    expect(nb.metadata?.labels?.['ops-team']).toBe('oncall');
    expect(journal).toMatch(new RegExp(`node ${b}: taint firedrill-test/ops=oncall:NoSchedule added by kubectl-taint during the drill: left as it is; label ops-team=oncall set by kubectl-label during the drill`));
    // c: kept cordoned as asked; everything else of the drill's removed, the request consumed.
    const nc = await core.readNode({ name: c });
    expect(nc.spec?.unschedulable).toBe(true);
    expect(nc.spec?.taints?.some((t) => t.key === TAINT_KEY)).toBe(false);
    expect(firedrillMeta(nc)).toEqual([]);
    expect(journal).toMatch(new RegExp(`node ${c}: kept cordoned: ${KEEP_CORDONED_ANNOTATION} asks for it`));
  });

  it('a node deleted between preflight and injection is skipped at once and reported', async () => {
    const set = await nodesOf(3);
    const gone = set.names[2] as string;
    const spec = await specFor(set, { approval: { required: true, timeout: '2m' } });
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, {});
    const status = await waitForPhase(handle, 'approval');
    expect(status.phase).toBe('approval');
    await core.deleteNode({ name: gone });
    await eventually(`${gone} deleted`, async () => core.readNode({ name: gone }).then(() => false, () => true));
    await handle.signal(approveSignal, { identity: 'integration-test' });
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.injection?.nodes.find((n) => n.name === gone)).toMatchObject({ actions: [], restored: true });
    expect(r.injection?.nodes.filter((n) => n.actions.length > 0).map((n) => n.name).sort()).toEqual(set.names.slice(0, 2).sort());
    expect(journalOf(r)).toMatch(new RegExp(`node ${gone} was deleted before the drill reached it: skipped`));
    // One attempt: a node that is gone is not retried.
    expect((await activityAttempts(handle)).filter((x) => x.type === 'injectFault').map((x) => x.attempt)).toEqual([1]);
  });

  it('a node recreated under the same name during the hold is not "restored" by its old mark; a node that joins the target is reported, not touched', async () => {
    const set = await nodesOf(2);
    const [kept, recreated] = set.names as [string, string];
    const joined = `${set.names[0]}-joined`;
    const spec = await specFor(set);
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    await waitForPhase(handle, 'hold');
    // Deleted, then created again from a copy that carries the drill's mark (a restore from backup).
    const old = await core.readNode({ name: recreated });
    await core.deleteNode({ name: recreated });
    await eventually(`${recreated} deleted`, async () => core.readNode({ name: recreated }).then(() => false, () => true));
    await core.createNode({
      body: {
        metadata: { name: recreated, labels: old.metadata?.labels, annotations: old.metadata?.annotations },
        spec: { unschedulable: old.spec?.unschedulable, taints: old.spec?.taints, podCIDR: old.spec?.podCIDR },
        status: { allocatable: old.status?.allocatable, capacity: old.status?.capacity },
      },
    });
    await set.add(joined);
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome, r.outcomeReason).toBe('passed');
    const copy = await core.readNode({ name: recreated });
    expect(copy.metadata?.uid).not.toBe(old.metadata?.uid);
    // Not the node the drill changed: left exactly as it was created.
    expect(copy.spec?.unschedulable).toBe(true);
    expect(copy.metadata?.labels?.[RUN_LABEL]).toBe(handle.firstExecutionRunId);
    expect(copy.spec?.taints?.some((t) => t.key === TAINT_KEY)).toBe(true);
    expect(r.restore?.nodes.find((n) => n.name === recreated)?.note).toMatch(/deleted and recreated since the drill changed it/);
    expect(journalOf(r)).toMatch(new RegExp(`node ${recreated}: deleted and recreated`));
    // The node that stayed is restored; the one that joined was never touched, and is listed.
    expect((await core.readNode({ name: kept })).spec?.unschedulable).toBeFalsy();
    const nj = await core.readNode({ name: joined });
    expect(nj.spec?.unschedulable).toBeFalsy();
    expect(firedrillMeta(nj)).toEqual([]);
    expect(journalOf(r)).toMatch(new RegExp(`1 node\\(s\\) joined the target during the drill and were not faulted: ${joined}`));
  });

  it('with fault.includeNewNodes, a node that joins the target during the hold is faulted within seconds and restored with the others', async () => {
    const set = await nodesOf(2);
    const joined = `${set.names[0]}-late`;
    const spec = await specFor(set, { fault: { mode: 'power-loss', includeNewNodes: true } });
    const handle = await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    await waitForPhase(handle, 'hold');
    await set.add(joined);
    // Faulted during the hold, with this run's mark and taint, like the planned nodes.
    const during = await eventually(`${joined} faulted`, async () => {
      const n = await core.readNode({ name: joined });
      return n.metadata?.labels?.[RUN_LABEL] === handle.firstExecutionRunId && n.spec?.taints?.some((t) => t.key === TAINT_KEY) ? n : undefined;
    }, 20_000);
    expect(during.spec?.unschedulable).toBe(true);
    const r = (await handle.result()) as DrillResult;

    expect(r.outcome, r.outcomeReason).toBe('passed');
    const after = await core.readNode({ name: joined });
    expect(after.spec?.unschedulable).toBeFalsy();
    expect(after.spec?.taints?.some((t) => t.key === TAINT_KEY)).toBe(false);
    expect(firedrillMeta(after)).toEqual([]);
    expect(r.injection?.nodes.find((n) => n.name === joined)).toMatchObject({ actions: ['cordon', 'taint'], restored: true });
    expect(journalOf(r)).toMatch(new RegExp(`1 node\\(s\\) joined the target during the hold and were faulted too \\(fault.includeNewNodes\\): ${joined}`));
    expect(journalOf(r)).not.toMatch(/were not faulted/);
  });
});
