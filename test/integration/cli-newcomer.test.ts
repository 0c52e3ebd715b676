import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill, waitForPhase } from '../../client/drills.js';
import { projectRoot } from '../../devstack/paths.js';
import {
  claimNodes, deleteNamespaceAndWait, drillSpec, httpProbe, markedRuns, startTestSimulator, startWorker,
  type ClaimedNodes, type TestWorker,
} from '../support/drill.js';
import { createNamespace, eventually, kubeFor, uniqueName } from '../support/kube.js';
import type { Simulator } from '../../simulator/server.js';

// The paths a new user walks, through the real `firedrill` command against the running stack:
// commands find the stack without KUBECONFIG or TEMPORAL_ADDRESS, runs say when no worker
// listens, a finished run's status needs no worker, errors are one line, a closed pipe is no
// error, and Ctrl-C in --follow detaches at once or aborts and restores (driven through tmux).

const stack = inject('stack');
const run = promisify(execFile);
const BIN = path.join(projectRoot, 'bin', 'firedrill.js');

/** The CLI with the stack found only through its status file, as a newcomer's shell has it. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.KUBECONFIG;
  delete env.TEMPORAL_ADDRESS;
  return env;
}

async function cli(args: string[], extra: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: cliEnv(extra), cwd: projectRoot, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('a newcomer\'s path through the CLI', () => {
  const kc = kubeFor(stack);
  const ns = uniqueName('cli-new');
  let nodes: ClaimedNodes;
  let sim: Simulator;
  let w: TestWorker;
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'firedrill-cli-'));
    await createNamespace(kc, ns);
    nodes = await claimNodes(kc, { id: ns, count: 1, zones: ['zone-c', 'zone-b'] });
    sim = await startTestSimulator(kc, ns);
    w = await startWorker(stack);
  });

  afterAll(async () => {
    spawnSync('tmux', ['kill-server'], { env: { ...process.env, TMUX_TMPDIR: tmp } });
    await w?.stop();
    await sim?.close();
    await nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
    await rm(tmp, { recursive: true, force: true });
  });

  const spec = (hold: string) => drillSpec({
    target: { type: 'nodes', selector: nodes.selector },
    timing: { hold, maxDuration: '10m' },
    probes: [httpProbe('up', `${sim.url}/healthz`)],
    objectives: [{ type: 'rto', probe: 'up', target: '30s' }],
  });

  it('prints help on stdout and exits 0 when called bare', async () => {
    const r = await cli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: firedrill/);
    expect(r.stderr).toBe('');
  });

  it('plans against the running stack without KUBECONFIG', async () => {
    const r = await cli(['plan', path.join(projectRoot, 'drills', 'pangyo-zone-loss.yaml')]);
    expect(r.stderr).not.toMatch(/no kubeconfig/);
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).toMatch(/zone-a/);
  });

  it('says in one line that a run id is unknown', async () => {
    const r = await cli(['status', 'no-such-run-20261201T000000Z']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['firedrill: no run no-such-run-20261201T000000Z in namespace default']);
  });

  it('warns within seconds when no worker polls the task queue, and the janitor refuses to wait', async () => {
    const queue = uniqueName('nobody');
    const file = path.join(projectRoot, 'drills', 'pangyo-zone-loss.yaml');
    const started = await cli(['run', file], { FIREDRILL_TASK_QUEUE: queue });
    expect(started.code).toBe(0);
    expect(started.stderr).toContain(`warning: no worker is polling task queue ${queue}; start one with \`firedrill worker\``);
    const id = /started (\S+)/.exec(started.stdout)?.[1];
    expect(id).toBeTruthy();
    const status = await cli(['status', id!], { FIREDRILL_TASK_QUEUE: queue });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`no worker is polling task queue ${queue}`);
    const abort = await cli(['abort', id!, '--terminate'], { FIREDRILL_TASK_QUEUE: queue });
    expect(abort.code).toBe(0);
    expect(abort.stdout).toContain(`terminated ${id}`);
    const janitor = await cli(['janitor', '--dry-run'], { FIREDRILL_TASK_QUEUE: queue });
    expect(janitor.code).toBe(2);
    expect(janitor.stderr.trim()).toBe(`firedrill: no worker is polling task queue ${queue}; start one with \`firedrill worker\``);
  });

  it('shows a finished run\'s outcome with no worker left, and ends quietly on a closed pipe', async () => {
    const s = await spec('2s');
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256, { approvedBy: 'integration-test' });
    await handle.result();
    const r = await cli(['status', handle.workflowId], { FIREDRILL_TASK_QUEUE: uniqueName('gone') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run:   ${handle.workflowId} (COMPLETED, drillWorkflow)`);
    expect(r.stdout).toMatch(/outcome: PASSED/);
    // `| head -1`: the reader goes away after one line.
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" status ${handle.workflowId} | head -1`], { env: cliEnv(), encoding: 'utf8' });
    expect(piped.stdout.trim()).toMatch(/^run: /);
    expect(piped.stderr).not.toMatch(/EPIPE|Error/);
  });

  describe('Ctrl-C in --follow, on a real terminal (tmux)', () => {
    const hasTmux = spawnSync('tmux', ['-V']).status === 0;
    const tmux = (...args: string[]) => spawnSync('tmux', args, { env: { ...process.env, TMUX_TMPDIR: tmp }, encoding: 'utf8' });
    const pane = (session: string) => tmux('capture-pane', '-p', '-t', session).stdout;

    async function followInTmux(session: string, workflowId: string): Promise<string> {
      const exitFile = path.join(tmp, `${session}.exit`);
      const env = Object.entries({ FIREDRILL_TASK_QUEUE: w.taskQueue, FIREDRILL_IDENTITY: 'oncall@example.com' }).map(([k, v]) => `${k}=${v}`).join(' ');
      const cmd = `env -u KUBECONFIG -u TEMPORAL_ADDRESS ${env} "${process.execPath}" "${BIN}" status ${workflowId} --follow; echo $? > "${exitFile}"; sleep 600`;
      expect(tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', '-c', projectRoot, cmd).status).toBe(0);
      await eventually('the live panel', async () => pane(session).includes('Ctrl-C: abort the drill or detach'), 60_000);
      return exitFile;
    }

    it.skipIf(!hasTmux)('detach exits 0 at once and the run goes on; abort exits 2 once every node is restored', async () => {
      const s = await spec('5m');
      const handle = await startDrill(w.client, w.target, s.spec, s.sha256, { approvedBy: 'integration-test' });
      await waitForPhase(handle, 'hold');

      const first = await followInTmux('detach', handle.workflowId);
      tmux('send-keys', '-t', 'detach', 'C-c');
      await eventually('the Ctrl-C prompt', async () => pane('detach').includes('[a/d]'), 20_000);
      tmux('send-keys', '-t', 'detach', 'd');
      expect(await eventually('the follow to exit', async () => (await readFile(first, 'utf8').catch(() => '')).trim(), 15_000)).toBe('0');
      expect(pane('detach')).toContain(`detached from ${handle.workflowId}`);
      expect((await handle.describe()).status.name).toBe('RUNNING');

      const second = await followInTmux('abort', handle.workflowId);
      tmux('send-keys', '-t', 'abort', 'C-c');
      await eventually('the Ctrl-C prompt', async () => pane('abort').includes('[a/d]'), 20_000);
      tmux('send-keys', '-t', 'abort', 'a');
      expect(await eventually('the follow to exit', async () => (await readFile(second, 'utf8').catch(() => '')).trim(), 120_000)).toBe('2');
      const r = await handle.result();
      expect(r.outcome).toBe('aborted');
      expect(r.journal.some((e) => e.kind === 'operator' && e.identity === 'oncall@example.com')).toBe(true);
      expect((await markedRuns(kc)).get(handle.firstExecutionRunId)).toBeUndefined();
      expect(pane('abort')).toMatch(/restore: 1\/1 node\(s\) restored/);
    });
  });
});
