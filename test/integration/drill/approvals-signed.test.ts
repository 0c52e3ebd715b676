import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signStatement } from '../../../approvals/sign.js';
import { approvalStatement } from '../../../approvals/statement.js';
import { startDrill } from '../../../client/drills.js';
import { projectRoot } from '../../../devstack/paths.js';
import type { DrillResult } from '../../../report/result.js';
import { approveSignal, statusQuery } from '../../../workflows/contract.js';
import { claimNodes, drillSpec, httpProbe, markedRuns, startWorker, temporalEnv, waitForPhase, type ClaimedNodes, type TestWorker } from '../../support/drill.js';
import { eventually, kubeFor, uniqueName } from '../../support/kube.js';
import { makeKeyDir, sshFingerprint } from '../../support/ssh-keys.js';
import { startOkServer } from '../schedule/support.js';

// Signed approvals on the real stack: only a signature by a listed key over this run's
// statement counts, the starter cannot approve their own run, and a quorum of two waits for
// the second distinct approver. Keys are made here with ssh-keygen.

const stack = inject('stack');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function firedrill(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'firedrill.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('signed approvals', () => {
  const kc = kubeFor(stack);
  const keys = makeKeyDir();
  const alice = keys.key('alice');
  const bob = keys.key('bob', 'ecdsa-256');
  const carol = keys.key('carol');
  const mallory = keys.key('mallory');
  let nodes: ClaimedNodes;
  let w: TestWorker;
  let ok: Awaited<ReturnType<typeof startOkServer>>;

  beforeAll(async () => {
    nodes = await claimNodes(kc, { id: uniqueName('drill-signed'), count: 1, zones: ['zone-c', 'zone-b'] });
    ok = await startOkServer();
    w = await startWorker(stack);
  });

  afterAll(async () => {
    await w?.stop();
    await ok?.close();
    await nodes?.release();
    keys.remove();
  });

  it('refuses a wrong key, an unsigned approval, the starter and a signature for another run; waits at one of two; passes at two', async () => {
    const s = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector },
      fault: { mode: 'cordon' },
      timing: { hold: '5s', maxDuration: '5m' },
      approval: {
        required: true, timeout: '5m', quorum: 2,
        approvers: [{ name: 'alice', key: alice.publicKey }, { name: 'bob', key: bob.publicKey }, { name: 'carol', key: carol.publicKey }],
      },
      probes: [httpProbe('ok', ok.url)],
      report: { formats: ['json', 'md', 'html'] },
    });
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256, { startedBy: 'alice', approvedBy: 'alice' });
    const runId = handle.firstExecutionRunId;
    let status = await waitForPhase(handle, 'approval');
    const statement = status.approval?.statement ?? '';
    expect(statement).toBe(approvalStatement({ workflowId: handle.workflowId, drill: s.spec.metadata.name, specSha256: s.sha256, target: `nodes matching ${nodes.selector}` }));
    expect(status.approval).toMatchObject({ quorum: 2, signed: true, approvedBy: [], startedBy: 'alice' });

    const refusals = async (n: number) => eventually(`${n} refusal(s)`, async () => {
      const st = await handle.query(statusQuery);
      return st.journal.filter((e) => e.kind === 'warning' && /refused/.test(e.message)).length >= n ? st : undefined;
    }, 30_000);
    // Mallory's key is not listed, whoever she claims to be.
    await handle.signal(approveSignal, { identity: 'bob', signature: await signStatement(mallory.file, statement) });
    await refusals(2);
    await handle.signal(approveSignal, { identity: 'bob' });
    await refusals(3);
    // Alice started the run: her own valid signature does not count.
    await handle.signal(approveSignal, { identity: 'alice', signature: await signStatement(alice.file, statement) });
    await refusals(4);
    // Bob's signature for another run is not a signature for this one.
    const other = statement.replace(`run: ${handle.workflowId}`, `run: ${handle.workflowId}-other`);
    await handle.signal(approveSignal, { identity: 'bob', signature: await signStatement(bob.file, other) });
    status = await refusals(5);
    expect(status.phase).toBe('approval');

    // Carol approves through the CLI: one of two, the run keeps waiting and nothing is touched.
    const cli = await firedrill(['approve', handle.workflowId, '--key', carol.file], { ...temporalEnv(stack), FIREDRILL_TASK_QUEUE: w.taskQueue, FIREDRILL_IDENTITY: 'carol' });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('(signed; the worker checks the signature)');
    status = await eventually('carol counted', async () => {
      const st = await handle.query(statusQuery);
      return st.approval?.approvedBy.includes('carol') ? st : undefined;
    }, 30_000);
    await sleep(3_000);
    status = await handle.query(statusQuery);
    expect(status.phase).toBe('approval');
    expect(status.approvedBy).toBeUndefined();
    expect((await markedRuns(kc)).get(runId)).toBeUndefined();

    await handle.signal(approveSignal, { identity: 'whoever', signature: await signStatement(bob.file, statement) });
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.approval).toMatchObject({ required: true, quorum: 2, startedBy: 'alice', approvedBy: 'carol, bob' });
    expect(r.approval.approvals).toEqual([
      { identity: 'carol', at: expect.any(String), verified: true, keyType: 'ssh-ed25519', fingerprint: sshFingerprint(`${carol.file}.pub`), statement, signature: expect.stringContaining('BEGIN SSH SIGNATURE') },
      { identity: 'bob', at: expect.any(String), verified: true, keyType: 'ecdsa-sha2-nistp256', fingerprint: sshFingerprint(`${bob.file}.pub`), statement, signature: expect.stringContaining('BEGIN SSH SIGNATURE') },
    ]);
    expect(r.approval.refused.map((x) => [x.identity, x.reason.replace(/\(SHA256:.*\)/, '(fp)')])).toEqual([
      ['alice', 'an approval at start (run --approve) does not count when approval.approvers are listed'],
      ['bob', 'signed by a key not listed in approval.approvers (fp)'],
      ['bob', 'unsigned: this drill lists approvers with keys (firedrill approve --key)'],
      ['alice', 'four eyes: the person who started the run cannot approve it'],
      ['bob', 'signature not valid: the signature does not match the statement'],
    ]);
    expect(Date.parse(r.injection?.t0 ?? '')).toBeGreaterThanOrEqual(Date.parse(r.approval.approvedAt ?? ''));
    expect(r.restore?.nodes.every((n) => n.restored)).toBe(true);
    const md = await readFile(path.join(w.reportDir, r.drill.name, r.run.workflowId, 'report.md'), 'utf8');
    expect(md).toContain('SSH signature verified (ecdsa-sha2-nistp256)');
    expect(md).toContain(sshFingerprint(`${carol.file}.pub`));
    expect(await readFile(path.join(w.reportDir, r.drill.name, r.run.workflowId, 'report.html'), 'utf8')).toContain(sshFingerprint(`${bob.file}.pub`));
  }, 240_000);

  it('labels names without keys "unverified identity" in the report', async () => {
    const s = await drillSpec({
      target: { type: 'nodes', selector: nodes.selector }, fault: { mode: 'cordon' }, timing: { hold: '3s', maxDuration: '5m' },
      approval: { required: true, timeout: '5m', approvers: ['dave', 'erin'] },
      probes: [httpProbe('ok', ok.url)], report: { formats: ['json', 'md'] },
    });
    const handle = await startDrill(w.client, w.target, s.spec, s.sha256, { startedBy: 'dave' });
    await waitForPhase(handle, 'approval');
    await handle.signal(approveSignal, { identity: 'dave' });
    await handle.signal(approveSignal, { identity: 'erin' });
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.approval.refused.map((x) => [x.identity, x.reason])).toEqual([['dave', 'four eyes: the person who started the run cannot approve it']]);
    expect(r.approval.approvals).toEqual([{ identity: 'erin', at: expect.any(String), verified: false }]);
    expect(await readFile(path.join(w.reportDir, r.drill.name, r.run.workflowId, 'report.md'), 'utf8')).toContain('unverified identity');
  }, 180_000);
});
