// Records the workflow histories the replay test (test/unit/workflows/replay.test.ts) replays
// against the current workflow code: a passed drill, a drill aborted mid-hold, a game day, two
// scheduled runs (one in a blackout) and a janitor run, all on the running embedded stack.
//
//   npx tsx scripts/record-histories.ts [--out DIR] [--only name,name]
//
// Run it from the checkout whose workflow code the histories must come from: the code that
// runs in deployments (see README "Replay tests"). It works on checkouts from before
// workflows/contract.ts existed too, so older releases can be recorded from a `git worktree`.
// Its worker polls a task queue of its own, and its drills touch only a namespace and two nodes
// it claims for itself, as the integration tests do; the janitor run restores every node still
// marked by a closed run, as `firedrill janitor` would.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { projectRoot } from '../devstack/paths.js';
import { ensureTemporal } from '../devstack/provision.js';
import { stackStatus } from '../devstack/stack.js';
import type { DrillSpec } from '../drills/schema/index.js';
import {
  claimNodes, deleteNamespaceAndWait, deployWeb, drillSpec, httpProbe, markedRuns, startTestSimulator, startWorker,
  type ClaimedNodes, type TestWorker,
} from '../test/support/drill.js';
import { createNamespace, kubeFor, uniqueName } from '../test/support/kube.js';
import type * as contract from '../workflows/contract.js';

// ---------------------------------------------------------------------------------------------
// The Temporal boundary of the checkout being recorded.

interface Boundary {
  drill: typeof contract.drillWorkflowType;
  gameDay: typeof contract.gameDayWorkflowType;
  scheduled: typeof contract.scheduledDrillWorkflowType;
  janitor: typeof contract.janitorWorkflowType;
  approve: typeof contract.approveSignal;
  abort: typeof contract.abortSignal;
  status: typeof contract.anyStatusQuery;
  searchAttributes: typeof contract.drillSearchAttributes;
}

const exists = (f: string) => stat(f).then(() => true, () => false);
const load = (rel: string) => import(pathToFileURL(path.join(projectRoot, rel)).href) as Promise<Record<string, unknown>>;

async function boundary(): Promise<Boundary> {
  if (await exists(path.join(projectRoot, 'workflows', 'contract.ts'))) {
    const c = await load('workflows/contract.ts') as unknown as typeof contract;
    return {
      drill: c.drillWorkflowType, gameDay: c.gameDayWorkflowType, scheduled: c.scheduledDrillWorkflowType, janitor: c.janitorWorkflowType,
      approve: c.approveSignal, abort: c.abortSignal, status: c.anyStatusQuery, searchAttributes: c.drillSearchAttributes,
    };
  }
  // Before workflows/contract.ts the same definitions lived beside the workflows.
  const w = await load('workflows/index.ts');
  const s = await load('workflows/scheduled.ts');
  return {
    drill: w.drillWorkflow, gameDay: w.gameDayWorkflow, scheduled: w.scheduledDrillWorkflow, janitor: w.janitorWorkflow,
    approve: w.approveSignal, abort: w.abortSignal, status: w.statusQuery, searchAttributes: s.drillSearchAttributes,
  } as Boundary;
}

// ---------------------------------------------------------------------------------------------

const RECORDER = 'replay-recorder';
/** Beside the histories: what each one is, its workflow id, and where it was recorded from. */
export const INDEX = 'index.json';

export interface IndexEntry {
  /** File under the histories directory. */
  file: string;
  workflowType: string;
  /** Replay needs it: child workflow ids are derived from the parent's. */
  workflowId: string;
  what: string;
  /** The commit the workflow code came from, and whether workflows/ differed from it. */
  recordedFrom: string;
  recordedAt: string;
}

interface Ctx {
  b: Boundary;
  w: TestWorker;
  ns: string;
  nodes: ClaimedNodes;
  simUrl: string;
  stamp: string;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

type AnyStatus = contract.DrillStatus | contract.GameDayStatus | contract.ScheduledStatus;

async function waitForStatus(b: Boundary, handle: WorkflowHandle, ok: (s: AnyStatus) => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const s = await handle.query(b.status);
      if (ok(s)) return;
      last = JSON.stringify({ phase: s.phase });
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what} of ${handle.workflowId}; last: ${last}`);
}

async function spec(c: Ctx, name: string, over: Record<string, unknown> = {}): Promise<{ spec: DrillSpec; sha256: string }> {
  return drillSpec({
    metadata: { name: uniqueName(name), owner: 'replay-histories' },
    target: { type: 'nodes', selector: c.nodes.selector },
    timing: { hold: '6s', maxDuration: '3m' },
    probes: [httpProbe('web', `${c.simUrl}/svc/${c.ns}/web/`)],
    objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    ...over,
  });
}

const drillInput = (s: { spec: DrillSpec; sha256: string }, extra: Record<string, unknown> = {}) => ({
  spec: s.spec, specSha256: s.sha256, trigger: 'manual' as const, firedrillVersion: 'replay-recording', ...extra,
});

function expectOutcome(what: string, r: { outcome: string; outcomeReason: string }, want: string): void {
  if (r.outcome !== want) throw new Error(`${what} ended ${r.outcome} (${r.outcomeReason}), not ${want}: that history would not show what its name says`);
}

type Scenario = (c: Ctx, client: Client) => Promise<Array<{ name: string; handle: WorkflowHandle; what: string }>>;

const scenarios: Record<string, Scenario> = {
  async 'drill-passed'(c, client) {
    const s = await spec(c, 'replay-passed', { approval: { required: true, approvers: [RECORDER] } });
    const handle = await client.workflow.start(c.b.drill, {
      taskQueue: c.w.taskQueue, workflowId: `replay-drill-passed-${c.stamp}`, args: [drillInput(s)], typedSearchAttributes: c.b.searchAttributes(s.spec),
    });
    await waitForStatus(c.b, handle, (x) => x.phase === 'approval', 'the approval phase');
    await handle.signal(c.b.approve, { identity: RECORDER });
    expectOutcome('drill-passed', await handle.result(), 'passed');
    return [{ name: 'drill-passed', handle, what: 'a drain drill approved by signal that met its objectives' }];
  },

  async 'drill-aborted-hold'(c, client) {
    const s = await spec(c, 'replay-aborted', { timing: { hold: '60s', maxDuration: '3m' } });
    const handle = await client.workflow.start(c.b.drill, {
      taskQueue: c.w.taskQueue, workflowId: `replay-drill-aborted-${c.stamp}`, args: [drillInput(s, { approvedBy: RECORDER })], typedSearchAttributes: c.b.searchAttributes(s.spec),
    });
    await waitForStatus(c.b, handle, (x) => x.phase === 'hold', 'the hold');
    await sleep(2_000);
    await handle.signal(c.b.abort, { identity: RECORDER, reason: 'recording an abort mid-hold' });
    expectOutcome('drill-aborted-hold', await handle.result(), 'aborted');
    return [{ name: 'drill-aborted-hold', handle, what: 'a drain drill aborted by signal in the middle of its hold (restore ran)' }];
  },

  async gameday(c, client) {
    const first = await spec(c, 'replay-gd-cordon', { fault: { mode: 'cordon' }, timing: { hold: '3s', maxDuration: '3m' } });
    const second = await spec(c, 'replay-gd-drain');
    const workflowId = `replay-gameday-${c.stamp}`;
    const handle = await client.workflow.start(c.b.gameDay, {
      taskQueue: c.w.taskQueue, workflowId,
      args: [{
        day: { name: 'replay-gameday', owner: 'replay-histories', sha256: 'recorded', approval: { required: true, timeout: 600_000, approvers: [RECORDER] } },
        drills: [
          { file: 'drills/replay-gd-cordon.yaml', spec: first.spec, specSha256: first.sha256, pauseAfterMs: 1_000 },
          { file: 'drills/replay-gd-drain.yaml', spec: second.spec, specSha256: second.sha256 },
        ],
        firedrillVersion: 'replay-recording',
      }],
    });
    await waitForStatus(c.b, handle, (x) => x.phase === 'approval', 'the day\'s approval');
    await handle.signal(c.b.approve, { identity: RECORDER });
    const r = await handle.result();
    expectOutcome('gameday', r, 'passed');
    const child = client.workflow.getHandle(r.drills[0]?.workflowId ?? `${workflowId}-1-${first.spec.metadata.name}`);
    return [
      { name: 'gameday', handle, what: 'a game day of two drills (cordon, then drain after a pause), approved by signal' },
      { name: 'gameday-drill-1', handle: child, what: 'the first drill of that game day, a child workflow approved through the day' },
    ];
  },

  async 'scheduled-blackout'(c, client) {
    const now = Date.now();
    const s = await spec(c, 'replay-sched-blackout', {
      schedule: { cron: '0 3 1 */3 *', timezone: 'UTC', blackouts: [{ name: 'replay-freeze', start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 3_600_000).toISOString() }] },
    });
    const handle = await client.workflow.start(c.b.scheduled, {
      taskQueue: c.w.taskQueue, workflowId: `replay-scheduled-blackout-${c.stamp}`, args: [{ spec: s.spec, specSha256: s.sha256, firedrillVersion: 'replay-recording' }],
    });
    expectOutcome('scheduled-blackout', await handle.result(), 'skipped');
    return [{ name: 'scheduled-blackout', handle, what: 'a scheduled run inside a blackout: skipped, nothing injected' }];
  },

  async 'scheduled-run'(c, client) {
    const s = await spec(c, 'replay-sched-run', { schedule: { cron: '0 3 1 */3 *', timezone: 'UTC' } });
    const handle = await client.workflow.start(c.b.scheduled, {
      taskQueue: c.w.taskQueue, workflowId: `replay-scheduled-run-${c.stamp}`, args: [{ spec: s.spec, specSha256: s.sha256, firedrillVersion: 'replay-recording' }],
      typedSearchAttributes: c.b.searchAttributes(s.spec),
    });
    expectOutcome('scheduled-run', await handle.result(), 'passed');
    return [{ name: 'scheduled-run', handle, what: 'a scheduled run outside any blackout: the drill ran as its child' }];
  },

  async janitor(c, client) {
    // A drill terminated mid-hold cannot restore: its nodes stay marked for the janitor.
    const s = await spec(c, 'replay-terminated', { timing: { hold: '60s', maxDuration: '3m' } });
    const drill = await client.workflow.start(c.b.drill, {
      taskQueue: c.w.taskQueue, workflowId: `replay-terminated-${c.stamp}`, args: [drillInput(s, { approvedBy: RECORDER })], typedSearchAttributes: c.b.searchAttributes(s.spec),
    });
    await waitForStatus(c.b, drill, (x) => x.phase === 'hold', 'the hold');
    await drill.terminate('recording a janitor run');
    const kc = kubeFor(await stackStatus());
    const runId = drill.firstExecutionRunId;
    if (!(await markedRuns(kc)).has(runId)) throw new Error('the terminated drill left no marked nodes: the janitor would have nothing to do');
    const handle = await client.workflow.start(c.b.janitor, { taskQueue: c.w.taskQueue, workflowId: `replay-janitor-${c.stamp}`, args: [{}] });
    const report = await handle.result();
    if (!report.restored.some((r) => r.runId === runId)) throw new Error(`the janitor did not restore the terminated run: ${JSON.stringify(report)}`);
    return [{ name: 'janitor', handle, what: 'a janitor run restoring the nodes of a drill terminated mid-hold' }];
  },
};

function recordedFrom(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short=7', 'HEAD');
  return git('status', '--porcelain', '--', 'workflows').length ? `${commit} with uncommitted changes in workflows/` : commit;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  const out = path.resolve(values.out ?? path.join(projectRoot, 'test', 'replay', 'histories'));
  const only = values.only ? values.only.split(',') : Object.keys(scenarios);
  for (const n of only) if (!scenarios[n]) throw new Error(`no scenario ${n}; scenarios: ${Object.keys(scenarios).join(', ')}`);

  const stack = await stackStatus();
  if (!stack.running) throw new Error('the embedded stack is not running: start it with `firedrill dev up`');
  const temporal = await ensureTemporal(() => undefined);
  // The CLI writes the proto JSON that the UI's download and other SDKs read too.
  const show = (id: string, runId: string) => execFileSync(temporal, [
    'workflow', 'show', '--address', stack.temporalAddress, '--namespace', stack.temporalNamespace, '--workflow-id', id, '--run-id', runId, '--output', 'json',
  ], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const from = recordedFrom();
  const b = await boundary();
  const kc = kubeFor(stack);
  const ns = uniqueName('replay-rec');
  // Relative, so the paths the report activity returns (kept in the history) name no machine.
  const reportDir = path.join('.firedrill', `replay-reports-${process.pid}`);
  let nodes: ClaimedNodes | undefined;
  let sim: Awaited<ReturnType<typeof startTestSimulator>> | undefined;
  let w: TestWorker | undefined;
  const entries: IndexEntry[] = [];
  try {
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-b', 'zone-c'] });
    sim = await startTestSimulator(kc, ns);
    await deployWeb(kc, ns, 'web', nodes, { replicas: 2 });
    w = await startWorker(stack, { taskQueue: uniqueName('replay-rec'), reportDir });
    const c: Ctx = { b, w, ns, nodes, simUrl: sim.url, stamp: new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z') };
    await mkdir(out, { recursive: true });
    for (const name of only) {
      const started = Date.now();
      process.stderr.write(`recording ${name} ...\n`);
      for (const rec of await (scenarios[name] as Scenario)(c, w.client)) {
        const runId = (await rec.handle.describe()).runId;
        const history = JSON.parse(show(rec.handle.workflowId, runId)) as { events?: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }> };
        const file = `${rec.name}.json`;
        await writeFile(path.join(out, file), `${JSON.stringify(history, null, 2)}\n`);
        const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
        entries.push({ file, workflowType: type, workflowId: rec.handle.workflowId, what: rec.what, recordedFrom: from, recordedAt: new Date().toISOString() });
        process.stderr.write(`  ${file}: ${type}, ${history.events?.length ?? 0} events\n`);
      }
      process.stderr.write(`  done in ${Math.round((Date.now() - started) / 1000)} s\n`);
    }
  } finally {
    await w?.stop().catch((err: unknown) => process.stderr.write(`worker: ${(err as Error).message}\n`));
    await sim?.close();
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns).catch(() => undefined);
    await rm(path.resolve(reportDir), { recursive: true, force: true });
  }
  // The index keeps the entries of scenarios not recorded this time.
  const indexFile = path.join(out, INDEX);
  const old = await readFile(indexFile, 'utf8').then((t) => JSON.parse(t) as IndexEntry[], () => [] as IndexEntry[]);
  const merged = [...old.filter((e) => !entries.some((n) => n.file === e.file)), ...entries].sort((x, y) => x.file.localeCompare(y.file));
  await writeFile(indexFile, `${JSON.stringify(merged, null, 2)}\n`);
  process.stderr.write(`wrote ${entries.length} histories to ${out} (recorded from ${from})\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
