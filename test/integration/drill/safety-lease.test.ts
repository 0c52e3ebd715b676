import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readMark } from '../../../activities/faults/marks.js';
import { leaseName, leaseTarget } from '../../../activities/lease-rules.js';
import { startDrill, waitForPhase } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import type { Simulator } from '../../../simulator/server.js';
import { abortSignal } from '../../../workflows/contract.js';
import { drillSpec, httpProbe, startTestSimulator, startWorker, type TestWorker } from '../../support/drill.js';
import { createNamespace, deleteNamespace, eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { clusterUid, createTestNodes, nodesMarkedBy, patchNode, type TestNodes } from '../../support/safety.js';

// One drill per target at a time, on the real stack: a drill holds a Lease (coordination.k8s.io)
// in the firedrill namespace for its zone; a second drill of the same zone, under another name,
// is refused at preflight with the holder's run id and changes nothing. The lease of the fault
// ends no later than the marks' restore-by deadline, is released after restore, and a lease left
// by a dead run of another installation stops blocking once it expires. The zone is this file's
// own: kwok nodes labelled with a zone no other test uses.

const stack = inject('stack');
const LEASE_NS = 'firedrill';

describe('the target lease', () => {
  const kc = kubeFor(stack);
  const coord = kc.makeApiClient(k8s.CoordinationV1Api);
  const id = uniqueName('safe-lease');
  const zone = `${id}-zone`;
  let nodes: TestNodes;
  let sim: Simulator;
  let w: TestWorker;

  beforeAll(async () => {
    await createNamespace(kc, id);
    nodes = await createTestNodes(kc, { id, prefix: id, count: 3 });
    for (const name of nodes.names) await patchNode(kc, name, { metadata: { labels: { 'topology.kubernetes.io/zone': zone } } });
    sim = await startTestSimulator(kc, id);
    w = await startWorker(stack);
  });

  afterAll(async () => {
    await w?.stop();
    await sim?.close();
    await nodes?.remove();
    await deleteNamespace(kc, id);
  });

  const zoneDrill = (name: string, hold = '12s') => drillSpec({
    metadata: { name: uniqueName(name), owner: 'integration-tests' },
    target: { type: 'zone', zone },
    fault: { mode: 'cordon' },
    timing: { hold, maxDuration: '3m' },
    safety: { maxFraction: 0.5 },
    probes: [httpProbe('sim', `${sim.url}/healthz`)],
  });

  const readLease = (name: string) => coord.readNamespacedLease({ name, namespace: LEASE_NS }).catch((err: unknown) => {
    if (err instanceof k8s.ApiException && err.code === 404) return undefined;
    throw err;
  });

  it('a second drill on the same zone is refused with the holder\'s run id, nothing changed; the lease ends by restore-by and is released', async () => {
    const first = await zoneDrill('lease-first', '2m');
    const holder = await startDrill(w.client, w.target, first.spec, first.sha256, { approvedBy: 'integration-test' });
    await waitForPhase(holder, 'hold', 120_000);
    const name = leaseName(await clusterUid(kc), leaseTarget(first.spec.target));

    // Renewed for the fault: it runs out no later than the marks' restore-by deadline.
    const lease = await readLease(name);
    expect(lease?.spec?.holderIdentity).toBe(`${holder.workflowId}/${holder.firstExecutionRunId}`);
    const expires = new Date(lease?.spec?.renewTime ?? 0).getTime() + (lease?.spec?.leaseDurationSeconds ?? 0) * 1000;
    const restoreBy = Date.parse(readMark(await kc.makeApiClient(k8s.CoreV1Api).readNode({ name: nodes.names[0] as string }))?.restoreBy ?? '');
    expect(expires).toBeLessThanOrEqual(restoreBy);
    expect(expires).toBeGreaterThan(restoreBy - 60_000);

    const second = await zoneDrill('lease-second');
    const refusedRun = await startDrill(w.client, w.target, second.spec, second.sha256, { approvedBy: 'integration-test' });
    const refused = (await refusedRun.result()) as DrillResult;
    expect(refused.outcome).toBe('refused');
    expect(refused.outcomeReason).toContain(`run ${holder.firstExecutionRunId} (workflow ${holder.workflowId}, drill ${first.spec.metadata.name}) holds lease ${LEASE_NS}/${name}`);
    expect(refused.outcomeReason).toMatch(/nothing was changed$/);
    expect(refused.injection).toBeNull();
    expect(await nodesMarkedBy(kc, refusedRun.firstExecutionRunId)).toEqual([]);
    // The holder is untouched by the refusal.
    expect((await readLease(name))?.spec?.holderIdentity).toBe(`${holder.workflowId}/${holder.firstExecutionRunId}`);

    await holder.signal(abortSignal, { identity: 'integration-test', reason: 'lease test done' });
    const r = (await holder.result()) as DrillResult;
    expect(r.outcome).toBe('aborted');
    expect(r.journal.map((e) => e.message)).toContainEqual(`lease ${LEASE_NS}/${name} released`);
    expect(await readLease(name)).toBeUndefined();
  });

  it('a lease left by a dead run blocks until it expires, then the next drill takes it over', async () => {
    const spec = await zoneDrill('lease-after-dead');
    const name = leaseName(await clusterUid(kc), leaseTarget(spec.spec.target));
    const dead = { workflowId: 'drill-of-a-dead-run', runId: '00000000-0000-4000-8000-00000000dead' };
    // The first drill of the stack created the namespace; this test may run alone.
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: LEASE_NS } } }).catch(() => undefined);
    // Another installation's run that died holding the zone: nobody here can ask whether it is open.
    await coord.createNamespacedLease({
      namespace: LEASE_NS,
      body: {
        metadata: {
          name, namespace: LEASE_NS, labels: { 'firedrill.dev/lease': 'target' },
          annotations: {
            'firedrill.dev/run-id': dead.runId, 'firedrill.dev/workflow-id': dead.workflowId, 'firedrill.dev/drill': 'gone',
            'firedrill.dev/target': JSON.stringify(leaseTarget(spec.spec.target)), 'firedrill.dev/nodes': JSON.stringify(nodes.names),
            'firedrill.dev/temporal-namespace': 'another-namespace',
          },
        },
        spec: { holderIdentity: `${dead.workflowId}/${dead.runId}`, leaseDurationSeconds: 15, acquireTime: new k8s.V1MicroTime(), renewTime: new k8s.V1MicroTime() },
      },
    });
    try {
      const blocked = (await (await startDrill(w.client, w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' })).result()) as DrillResult;
      expect(blocked.outcome).toBe('refused');
      expect(blocked.outcomeReason).toContain(`run ${dead.runId}`);

      await eventually('the dead run\'s lease to expire', async () => {
        const l = await readLease(name);
        return !l || new Date(l.spec?.renewTime ?? 0).getTime() + (l.spec?.leaseDurationSeconds ?? 0) * 1000 < Date.now();
      }, 60_000, 500);
      const again = await zoneDrill('lease-after-dead-2');
      const r = (await (await startDrill(w.client, w.target, again.spec, again.sha256, { approvedBy: 'integration-test' })).result()) as DrillResult;
      expect(r.outcome, r.outcomeReason).toBe('passed');
      expect(r.journal.map((e) => e.message)).toContainEqual(expect.stringMatching(new RegExp(`^lease ${LEASE_NS}/${name} taken until .* \\(taken over from run ${dead.runId}, whose lease had expired\\)$`)));
      expect(await readLease(name)).toBeUndefined();
    } finally {
      await coord.deleteNamespacedLease({ name, namespace: LEASE_NS }).catch(() => undefined);
    }
  });
});
