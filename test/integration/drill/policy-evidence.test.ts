import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import { projectRoot } from '../../../devstack/paths.js';
import type { DrillResult } from '../../../report/result.js';
import { drillWorkflowType, type DrillInput } from '../../../workflows/contract.js';
import {
  claimNodes, connectClient, drillSpec, httpProbe, killProcess, markedRuns, nodeChanges, snapshotNodes, spawnWorkerProcess, temporalTargetFor, workerLog, type ClaimedNodes,
} from '../../support/drill.js';
import { kubeFor, uniqueName } from '../../support/kube.js';
import { startOkServer } from '../schedule/support.js';

// The worker's own policy and its signed, chained results, on a `firedrill worker` process:
// a workflow started by hand with a spec that breaks the policy is refused at preflight and
// changes nothing; `report verify --chain` finds an edited and a removed result.

const stack = inject('stack');

function firedrill(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'firedrill.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('worker policy and signed evidence', () => {
  const kc = kubeFor(stack);
  const taskQueue = uniqueName('policy-it');
  let dir: string;
  let reportDir: string;
  let pubFile: string;
  let nodes: ClaimedNodes;
  let ok: Awaited<ReturnType<typeof startOkServer>>;
  let worker: ChildProcess;
  let conn: Awaited<ReturnType<typeof connectClient>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-policy-it-'));
    reportDir = path.join(dir, 'reports');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeFile(path.join(dir, 'signing.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    pubFile = path.join(dir, 'signing.pub.pem');
    await writeFile(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
    nodes = await claimNodes(kc, { id: uniqueName('drill-policy'), count: 1, zones: ['zone-c', 'zone-b'] });
    ok = await startOkServer();
    worker = await spawnWorkerProcess(stack, taskQueue, {
      reportDir,
      env: { FIREDRILL_POLICY_FAULT_MODES: 'cordon', FIREDRILL_POLICY_MAX_FRACTION: '0.5', FIREDRILL_SIGNING_KEY: path.join(dir, 'signing.pem') },
    });
    conn = await connectClient(stack);
  });

  afterAll(async () => {
    if (worker) await killProcess(worker, 'SIGTERM');
    await conn?.close();
    await ok?.close();
    await nodes?.release();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const spec = (over: Record<string, unknown> = {}) => drillSpec({
    target: { type: 'nodes', selector: nodes.selector }, fault: { mode: 'cordon' }, timing: { hold: '3s', maxDuration: '5m' },
    probes: [httpProbe('ok', ok.url)], ...over,
  });

  it('refuses a hand-made start that breaks the policy or the schema at preflight, naming the rule; nothing changes', async () => {
    const before = await snapshotNodes(kc);
    const s = await spec({ fault: { mode: 'drain', evictionTimeout: '10s' } });
    const start = async (input: DrillInput) => {
      const h = await conn.client.workflow.start(drillWorkflowType, { taskQueue, workflowId: uniqueName('hand-made'), args: [input] });
      return { runId: h.firstExecutionRunId, r: (await h.result()) as DrillResult };
    };
    const drain = await start({ spec: s.spec, specSha256: s.sha256, trigger: 'manual', firedrillVersion: 'by-hand' });
    expect(drain.r.outcome).toBe('refused');
    expect(drain.r.outcomeReason).toMatch(/worker policy faultModes .*fault mode drain is not one of cordon/);
    expect(drain.r.injection).toBeNull();
    const ok1 = await spec();
    const forged = { ...ok1.spec, safety: { ...ok1.spec.safety, maxFraction: 5, allowWholeCluster: 'yes' } } as unknown as DrillInput['spec'];
    const schema = await start({ spec: forged, specSha256: ok1.sha256, trigger: 'manual', firedrillVersion: 'by-hand' });
    expect(schema.r.outcome).toBe('refused');
    expect(schema.r.outcomeReason).toMatch(/worker policy schema .*safety\.maxFraction/);
    for (const runId of [drain.runId, schema.runId]) expect((await markedRuns(kc)).get(runId)).toBeUndefined();
    expect((await nodeChanges(kc, before, { strict: nodes.names })).filter((x) => nodes.names.some((n) => x.startsWith(`${n}:`)))).toEqual([]);
    expect(workerLog(worker)).toContain('refused by the worker\'s policy');
  }, 120_000);

  it('signs and chains the results; verify --chain finds an edited and a removed run', async () => {
    const s = await spec();
    const target = temporalTargetFor(stack, taskQueue);
    const files: string[] = [];
    for (let i = 0; i < 2; i++) {
      const h = await startDrill(conn.client, target, s.spec, s.sha256);
      const r = (await h.result()) as DrillResult;
      expect(r.outcome, r.outcomeReason).toBe('passed');
      files.push(path.join(reportDir, r.drill.name, r.run.workflowId, 'result.json'));
    }
    const second = JSON.parse(await readFile(files[1]!, 'utf8')) as DrillResult;
    const first = JSON.parse(await readFile(files[0]!, 'utf8')) as DrillResult;
    expect(second.evidence?.previousResultSha256).toBe(first.evidence?.resultSha256);
    expect(second.evidence?.signature?.algorithm).toBe('ed25519');

    let v = await firedrill(['report', 'verify', files[1]!, '--public-key', pubFile]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/signature: signature by SHA256:.* verified/);
    v = await firedrill(['report', 'verify', files[1]!]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('integrity only, not authenticity');
    v = await firedrill(['report', 'verify', '--chain', reportDir, '--public-key', pubFile]);
    expect(v.code, v.stdout + v.stderr).toBe(0);

    // Edited: the run's own hash no longer matches.
    const text = await readFile(files[0]!, 'utf8');
    await writeFile(files[0]!, text.replace(/"outcomeReason": "[^"]*"/, '"outcomeReason": "edited later"'));
    v = await firedrill(['report', 'verify', '--chain', reportDir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/BROKEN: .*result\.json: edited after it was sealed/);
    // Removed: the next run's link points at a result nobody has.
    await rm(path.dirname(files[0]!), { recursive: true });
    v = await firedrill(['report', 'verify', '--chain', reportDir, '--public-key', pubFile]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/BROKEN: .*result\.json: the result before it .* is missing/);
  }, 180_000);
});
