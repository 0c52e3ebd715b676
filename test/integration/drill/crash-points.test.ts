import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import type { FaultMode } from '../../../drills/schema/index.js';
import type { DrillResult } from '../../../report/result.js';
import { approveSignal, statusQuery } from '../../../workflows/contract.js';
import {
  activityAttempts, claimNodes, connectClient, deleteNamespaceAndWait, deployWeb, drillSpec, httpProbe, killProcess, markedRuns, nodeChanges,
  snapshotNodes, spawnWorkerProcess, temporalTargetFor, waitForPhase, workerLog, type ClaimedNodes,
} from '../../support/drill.js';
import { createNamespace, eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { startOkServer } from '../schedule/support.js';

// The worker is SIGKILLed at each phase boundary in turn, one drill per crash point, all drills
// at once (each on its own claimed node, task queue and worker process). A new worker process
// resumes the run; every run must complete, restore its node, and touch no other node.
// Preflight, restore and report are over in milliseconds, so the first worker of those rows
// starts them late (FIREDRILL_TEST_ACTIVITY_DELAY) and the kill lands inside them; a PDB that
// allows no disruption keeps the inject row's drain going.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APPROVER = 'release-manager@example.com';

type Handle = WorkflowHandleWithFirstExecutionRunId;

interface CrashPoint {
  name: string;
  mode: FaultMode;
  hold: string;
  /** FIREDRILL_TEST_ACTIVITY_DELAY of the row's workers. */
  delay?: string;
  approval?: boolean;
  /** A pod behind a PodDisruptionBudget that allows no disruption: the drain waits on it. */
  blocker?: boolean;
  /** Waits for the moment to kill the worker. */
  reach(h: Handle, claimed: string): Promise<void>;
  /** The activity cut off by the kill, which a later worker must have retried. */
  resumed?: string;
  /** A refusal this row may end in today, with why: the run still completes and changes nothing. */
  knownRefusal?: RegExp;
}

const POINTS: CrashPoint[] = [
  {
    name: 'preflight', mode: 'cordon', hold: '8s', delay: 'preflight=6s', resumed: 'preflight',
    reach: async (h) => { await waitForPhase(h, 'preflight'); await sleep(1_500); },
  },
  {
    name: 'right after approval', mode: 'drain', hold: '8s', approval: true,
    // The kill usually lands in the baseline, under 2 s into its window; the retried
    // observation (after the 10 s heartbeat timeout) starts the baseline window again.
    reach: async (h) => {
      await waitForPhase(h, 'approval');
      await h.signal(approveSignal, { identity: APPROVER });
    },
  },
  {
    name: 'mid-inject', mode: 'drain', hold: '30s', blocker: true, resumed: 'injectFault',
    reach: async (h, claimed) => {
      await waitForPhase(h, 'inject');
      // The node is marked (the fault is in place) while the PDB still holds the drain.
      await eventually('the claimed node marked by the run', async () => (await markedRuns(kubeFor(stack))).get(h.firstExecutionRunId)?.includes(claimed), 30_000);
      await sleep(2_000);
    },
  },
  {
    name: 'mid-hold', mode: 'power-loss', hold: '30s', resumed: 'observe',
    reach: async (h) => { await waitForPhase(h, 'hold'); await sleep(3_000); },
  },
  {
    name: 'mid-restore', mode: 'power-loss', hold: '8s', delay: 'restoreNodes=6s', resumed: 'restoreNodes',
    reach: async (h) => { await waitForPhase(h, 'restore', 180_000); await sleep(1_500); },
  },
  {
    name: 'mid-report', mode: 'drain', hold: '8s', delay: 'writeReport=6s', resumed: 'writeReport',
    reach: async (h) => { await waitForPhase(h, 'report', 180_000); await sleep(1_500); },
  },
];

interface Row {
  point: string;
  fault: FaultMode;
  killedIn: string;
  resumed: string;
  outcome: string;
  restored: string;
  outside: string;
  seconds: number;
  problems: string[];
}

function table(rows: Row[]): string {
  const head = ['crash point', 'fault', 'phase at SIGKILL', 'retried on new worker', 'outcome', 'claimed node restored', 'other nodes touched', 's'];
  const cells = rows.map((r) => [r.point, r.fault, r.killedIn, r.resumed, r.outcome, r.restored, r.outside, String(r.seconds)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

describe('a drill whose worker is SIGKILLed at each phase boundary', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('crash-pts');
  const claims: ClaimedNodes[] = [];
  const children: ChildProcess[] = [];
  const open = new Set<Handle>();
  const dirs: string[] = [];
  /** Run id → its claimed node; the watcher records any other node a run marks. */
  const owner = new Map<string, string>();
  const strayMarks = new Map<string, Set<string>>();
  let watching = true;
  let watcher: Promise<void> | undefined;
  let ok: Awaited<ReturnType<typeof startOkServer>>;
  let client: Client;
  let closeClient: () => Promise<void>;

  beforeAll(async () => {
    await createNamespace(kc, ns);
    for (const [i] of POINTS.entries()) {
      // zone-a last: the demo drill drains it.
      const claim = await claimNodes(kc, { id: `${ns}-${i}`, count: 1, zones: ['zone-c', 'zone-b'] })
        .catch(() => claimNodes(kc, { id: `${ns}-${i}`, count: 1, zones: ['zone-a'] }));
      claims.push(claim);
    }
    ok = await startOkServer();
    ({ client, close: closeClient } = await connectClient(stack));
    watcher = (async () => {
      while (watching) {
        const marked = await markedRuns(kc).catch(() => new Map<string, string[]>());
        for (const [run, names] of marked) {
          const mine = owner.get(run);
          if (mine === undefined) continue;
          for (const n of names) if (n !== mine) strayMarks.set(run, (strayMarks.get(run) ?? new Set()).add(n));
        }
        await sleep(500);
      }
    })();
  }, 300_000);

  afterAll(async () => {
    watching = false;
    await watcher;
    // A run a failed row left open is cancelled while a worker can still restore its node.
    for (const h of open) {
      await h.cancel().catch(() => undefined);
      await Promise.race([h.result().catch(() => undefined), sleep(60_000)]);
    }
    for (const c of children) await killProcess(c, 'SIGKILL');
    await closeClient?.();
    await ok?.close();
    for (const c of claims) await c.release();
    await deleteNamespaceAndWait(kc, ns);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }, 300_000);

  async function runPoint(p: CrashPoint, claim: ClaimedNodes): Promise<Row> {
    const started = Date.now();
    const node = claim.names[0]!;
    const taskQueue = uniqueName('crash-pt');
    const reportDir = await mkdtemp(path.join(tmpdir(), 'firedrill-crash-pt-'));
    dirs.push(reportDir);
    const env: Record<string, string> = p.delay ? { FIREDRILL_TEST_ACTIVITY_DELAY: p.delay } : {};
    const spawnWorker = async () => {
      const child = await spawnWorkerProcess(stack, taskQueue, { reportDir, env });
      children.push(child);
      return child;
    };
    const row: Row = { point: p.name, fault: p.mode, killedIn: '?', resumed: '—', outcome: '?', restored: '?', outside: '?', seconds: 0, problems: [] };

    if (p.blocker) {
      const app = `blocker-${claims.indexOf(claim)}`;
      await deployWeb(kc, ns, app, claim, { pinned: true });
      await kc.makeApiClient(k8s.PolicyV1Api).createNamespacedPodDisruptionBudget({
        namespace: ns,
        body: { metadata: { name: app }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } },
      });
    }
    const spec = await drillSpec({
      metadata: { name: uniqueName(`crash-${p.name.replace(/\W+/g, '-')}`) },
      target: { type: 'nodes', selector: claim.selector },
      fault: { mode: p.mode, evictionTimeout: '12s' },
      timing: { hold: p.hold, maxDuration: '8m' },
      probes: [httpProbe('ok', ok.url)],
      ...(p.approval ? { approval: { required: true, approvers: [APPROVER], timeout: '5m' } } : {}),
    });
    const first = await spawnWorker();
    const before = await snapshotNodes(kc);
    const handle = await startDrill(client, temporalTargetFor(stack, taskQueue), spec.spec, spec.sha256, p.approval ? {} : { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    owner.set(runId, node);
    open.add(handle);

    await p.reach(handle, node);
    row.killedIn = await handle.query(statusQuery).then((s) => s.phase, () => 'unknown');
    await killProcess(first, 'SIGKILL');
    const second = await spawnWorker();

    const r = await Promise.race([
      handle.result() as Promise<DrillResult>,
      sleep(330_000).then(() => { throw new Error(`the run did not finish within 330 s:\n${workerLog(second)}`); }),
    ]);
    open.delete(handle);
    const refusedAsKnown = r.outcome === 'refused' && p.knownRefusal?.test(r.outcomeReason) === true;
    row.outcome = refusedAsKnown ? `refused: ${r.outcomeReason}` : r.outcome;
    if (r.outcome !== 'passed' && !refusedAsKnown) row.problems.push(`outcome ${r.outcome}: ${r.outcomeReason}\n${workerLog(second)}`);
    if (p.approval && r.approval.approvedBy !== APPROVER) row.problems.push(`approved by ${r.approval.approvedBy ?? 'nobody'}`);

    const attempts = await activityAttempts(handle);
    if (p.resumed) {
      const max = Math.max(0, ...attempts.filter((a) => a.type === p.resumed).map((a) => a.attempt));
      row.resumed = `${p.resumed} (attempt ${max})`;
      if (max < 2) row.problems.push(`${p.resumed} was not retried after the kill (attempts: ${JSON.stringify(attempts)})`);
    } else {
      const retried = attempts.filter((a) => a.attempt > 1).map((a) => `${a.type} (attempt ${a.attempt})`);
      row.resumed = retried.join(', ') || 'workflow task only';
    }

    const injected = (r.injection?.nodes ?? []).map((n) => n.name);
    const restored = (r.restore?.nodes ?? []).filter((n) => n.restored).map((n) => n.name);
    const expected = refusedAsKnown ? [] : [node];
    if (JSON.stringify(injected) !== JSON.stringify(expected)) row.problems.push(`injected into ${JSON.stringify(injected)}, expected ${JSON.stringify(expected)}`);
    if (JSON.stringify(restored) !== JSON.stringify(expected)) row.problems.push(`restored ${JSON.stringify(restored)}, expected ${JSON.stringify(expected)}`);
    // The node controller removes its unschedulable taint a moment after the uncordon.
    const left = await eventually('the claimed node as it was', async () => {
      const changes = (await nodeChanges(kc, before, { mine: [runId], strict: [node] }))
        .filter((l) => l.startsWith(`${node}:`) || l.includes(runId));
      return changes.length === 0 ? [] : undefined;
    }, 30_000, 500).catch((err: Error) => [err.message]);
    row.restored = left.length ? 'NO' : refusedAsKnown ? 'untouched (nothing injected)' : restored.length === 1 ? 'yes' : 'NO';
    row.problems.push(...left);
    const stray = [...(strayMarks.get(runId) ?? [])];
    row.outside = stray.length ? stray.join(', ') : 'none';
    if (stray.length) row.problems.push(`marked nodes outside its claim: ${stray.join(', ')}`);
    row.seconds = Math.round((Date.now() - started) / 1000);
    return row;
  }

  it('completes every run and restores every node, touching no other node', async () => {
    const settled = await Promise.allSettled(POINTS.map(async (p, i) => {
      // Staggered, so six workers do not bundle their workflow code at the same moment.
      await sleep(i * 3_000);
      return runPoint(p, claims[i]!);
    }));
    const rows = settled.map((s, i): Row => (s.status === 'fulfilled'
      ? s.value
      : { point: POINTS[i]!.name, fault: POINTS[i]!.mode, killedIn: '?', resumed: '?', outcome: 'test error', restored: '?', outside: '?', seconds: 0, problems: [String((s.reason as Error)?.stack ?? s.reason)] }));
    console.log(`crash points (SIGKILL of the worker, then a new worker process):\n${table(rows)}`);
    for (const r of rows) expect.soft(r.problems, r.point).toEqual([]);
  }, 420_000);
});
