import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import type { DrillResult } from '../../../report/result.js';
import { approveSignal, statusQuery } from '../../../workflows/contract.js';
import {
  claimNodes, drillSpec, httpProbe, markedRuns, nodeChanges, snapshotNodes, startWorker, waitForPhase,
  type ClaimedNodes, type TestWorker,
} from '../../support/drill.js';
import { eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { startOkServer } from '../schedule/support.js';

// Only identities listed in approval.approvers may approve a drill, with the approve signal;
// an up-front approval (`run --approve`, the workflow input approvedBy) counts only for drills
// that list nobody. Refusals are recorded in the result and the journal, and the drill does not
// move on because of them.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APPROVERS = ['alice@example.com', 'bob@example.com'];
const NOT_LISTED = 'not listed in approval.approvers';
const AT_START = 'an approval at start (run --approve) does not count when approval.approvers are listed';

describe('drill approvals', () => {
  const kc = kubeFor(stack);
  const runs = new Set<string>();
  let nodes: ClaimedNodes;
  let w: TestWorker;
  let ok: Awaited<ReturnType<typeof startOkServer>>;

  beforeAll(async () => {
    nodes = await claimNodes(kc, { id: uniqueName('drill-approve'), count: 1, zones: ['zone-c', 'zone-b'] });
    ok = await startOkServer();
    w = await startWorker(stack);
  });

  afterAll(async () => {
    await w?.stop();
    await ok?.close();
    await nodes?.release();
  });

  const spec = () => drillSpec({
    target: { type: 'nodes', selector: nodes.selector },
    fault: { mode: 'cordon' },
    timing: { hold: '5s', maxDuration: '5m' },
    approval: { required: true, approvers: APPROVERS, timeout: '5m' },
    probes: [httpProbe('ok', ok.url)],
  });

  it('refuses an up-front approval and an unlisted approve signal, records both, and runs once a listed approver approves', async () => {
    const before = await snapshotNodes(kc);
    const s = await spec();
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256, { approvedBy: 'mallory@example.com' });
    const runId = handle.firstExecutionRunId;
    runs.add(runId);

    // The up-front approval did not count: the run waits for an approver.
    let status = await waitForPhase(handle, 'approval');
    expect(status.approvedBy).toBeUndefined();
    expect(status.journal).toContainEqual(expect.objectContaining({ kind: 'warning', identity: 'mallory@example.com', message: expect.stringContaining(AT_START) }));

    await handle.signal(approveSignal, { identity: 'eve@example.com' });
    status = await eventually('the refusal of eve in the journal', async () => {
      const st = await handle.query(statusQuery);
      return st.journal.some((e) => e.identity === 'eve@example.com') ? st : undefined;
    }, 30_000);
    expect(status.journal).toContainEqual(expect.objectContaining({ kind: 'warning', identity: 'eve@example.com', message: expect.stringContaining(NOT_LISTED) }));
    // Nor does the refused signal move the drill on: still waiting, nothing touched.
    await sleep(3_000);
    status = await handle.query(statusQuery);
    expect(status.phase).toBe('approval');
    expect(status.approvedBy).toBeUndefined();
    expect((await markedRuns(kc)).get(runId)).toBeUndefined();

    await handle.signal(approveSignal, { identity: 'alice@example.com' });
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.approval).toMatchObject({ required: true, approvedBy: 'alice@example.com', approvedAt: expect.any(String) });
    expect(r.approval.refused).toEqual([
      { identity: 'mallory@example.com', at: expect.any(String), reason: AT_START },
      { identity: 'eve@example.com', at: expect.any(String), reason: NOT_LISTED },
    ]);
    // Approved after the refusals, and the fault came after the approval.
    const refusedAt = Math.max(...r.approval.refused.map((x) => Date.parse(x.at)));
    expect(Date.parse(r.approval.approvedAt ?? '')).toBeGreaterThanOrEqual(refusedAt);
    expect(Date.parse(r.injection?.t0 ?? '')).toBeGreaterThanOrEqual(Date.parse(r.approval.approvedAt ?? ''));
    expect(r.journal.filter((e) => e.kind === 'operator').map((e) => e.identity)).toEqual(['alice@example.com']);
    expect(r.injection?.nodes.map((n) => n.name)).toEqual(nodes.names);
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    expect(await nodeChanges(kc, before, { mine: runs, strict: nodes.names }).then((l) => l.filter((x) => nodes.names.some((n) => x.startsWith(`${n}:`)) || x.includes(runId)))).toEqual([]);
  }, 180_000);

  it('runs at once on an up-front approval when the drill lists no approvers', async () => {
    const s = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector },
      fault: { mode: 'cordon' },
      timing: { hold: '5s', maxDuration: '5m' },
      approval: { required: true, timeout: '5m' },
      probes: [httpProbe('ok', ok.url)],
    });
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256, { approvedBy: 'bob@example.com' });
    runs.add(handle.firstExecutionRunId);
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.approval).toMatchObject({ required: true, approvedBy: 'bob@example.com', refused: [] });
    expect(r.phases.map((p) => p.phase)).not.toContain('approval');
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
  }, 180_000);
});
