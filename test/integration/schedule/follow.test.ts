import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DrillResult } from '../../../report/result.js';
import { startWorker, type TestWorker } from '../../support/drill.js';
import { eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { cli, cliEnv, drillDoc, labelNode, startCli, startOkServer, writeYaml, type LabelledNode } from './support.js';

// `run --follow` as a user runs it, with stdout a pipe (a CI log): one line per change, every
// phase in order; Ctrl-C there detaches without asking and the drill goes on to restore.

const stack = inject('stack');
const PHASE_LINE = /^\d\d:\d\d:\d\d {2}phase {5}(\w+)/;

describe('run --follow', () => {
  const kc = kubeFor(stack);
  let node: LabelledNode;
  let server: Awaited<ReturnType<typeof startOkServer>>;
  let w: TestWorker;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    node = await labelNode(kc, uniqueName('follow'));
    server = await startOkServer();
    w = await startWorker(stack);
    env = cliEnv(stack, w.taskQueue, w.reportDir);
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-follow-'));
  });

  afterAll(async () => {
    await w?.stop();
    await server?.close();
    const cordoned = await node?.unschedulable();
    await node?.release();
    await rm(dir, { recursive: true, force: true });
    expect(cordoned).toBe(false);
  });

  it('prints every phase in order, probe and RTO changes, then the summary (exit 0)', async () => {
    const file = await writeYaml(dir, 'short.yaml', drillDoc(uniqueName('it-follow'), node, server.url, { approval: { required: true, timeout: '1m' } }));
    const r = await cli(['run', file, '--approve', '--follow'], env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const lines = r.stdout.split('\n');
    const phases = lines.map((l) => PHASE_LINE.exec(l)?.[1]).filter(Boolean);
    expect(phases, r.stdout).toEqual(['preflight', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done']);
    expect(lines).toContainEqual(expect.stringMatching(/operator {2}approved at start \(it-operator\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/probe {5}web: healthy$/));
    expect(lines).toContainEqual(expect.stringMatching(/rto {7}web: no impact$/));
    expect(lines).toContainEqual(expect.stringMatching(/restore {3}1\/1 node\(s\) restored$/));
    // The drill's RTO objective and the failback objective every drill has.
    expect(r.stdout).toMatch(/outcome: PASSED: all 2 objective\(s\) met/);
    // No terminal control codes in a log.
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('shows live probe failures from the heartbeat and the RTO once recovered', async () => {
    const file = await writeYaml(dir, 'outage.yaml', drillDoc(uniqueName('it-follow-outage'), node, server.url, { timing: { hold: '10s', maxDuration: '2m' } }));
    const run = startCli(['run', file, '--follow'], env);
    try {
      // A 3 s outage right after the node is cordoned, i.e. after T0, while the hold observes.
      await eventually('the node cordoned', () => node.unschedulable(), 60_000, 100);
      server.setStatus(503);
      await eventually('the failure shown live', async () => /probe {5}web: FAILING/.test(run.stdout()), 10_000, 100);
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      server.setStatus(200);
    }
    expect(await run.exited, run.stderr()).toBe(0);
    const lines = run.stdout().split('\n');
    const failing = lines.findIndex((l) => /probe {5}web: FAILING \(HTTP 503/.test(l));
    const healthy = lines.findIndex((l, i) => i > failing && /probe {5}web: healthy$/.test(l));
    const rto = lines.findIndex((l) => /rto {7}web: recovered, RTO \d+\.\ds ±0\.5s$/.test(l));
    expect(failing, run.stdout()).toBeGreaterThan(0);
    expect(healthy).toBeGreaterThan(failing);
    expect(rto).toBeGreaterThan(failing);
    // Seen live: the failure was printed before the hold ended.
    expect(failing).toBeLessThan(lines.findIndex((l) => /phase {5}restore/.test(l)));
  });

  it('streams JSON events with --json, ending with the result', async () => {
    const file = await writeYaml(dir, 'json.yaml', drillDoc(uniqueName('it-follow-json'), node, server.url));
    const r = await cli(['run', file, '--follow', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; phase?: string; result?: DrillResult });
    expect(events.filter((e) => e.event === 'phase').map((e) => e.phase)).toEqual(['preflight', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done']);
    expect(events.some((e) => e.event === 'probe')).toBe(true);
    expect(events.at(-1)?.event).toBe('result');
    expect(events.at(-1)?.result?.outcome).toBe('passed');
  });

  it('Ctrl-C in a log detaches without asking; the drill still restores', async () => {
    const file = await writeYaml(dir, 'long.yaml', drillDoc(uniqueName('it-follow-detach'), node, server.url, { timing: { hold: '8s', maxDuration: '2m' } }));
    const run = startCli(['run', file, '--follow'], env);
    await eventually('the hold phase in the output', async () => PHASE_LINE.exec(run.stdout().split('\n').findLast((l) => PHASE_LINE.test(l)) ?? '')?.[1] === 'hold', 60_000, 100);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/detached .*the run continues: firedrill status \S+ --follow/);
    const workflowId = /^started (\S+)$/m.exec(run.stdout())?.[1] ?? '';
    const result = (await w.client.workflow.getHandle(workflowId).result()) as DrillResult;
    expect(result.outcome).toBe('passed');
    expect(await node.unschedulable()).toBe(false);
  });
});
