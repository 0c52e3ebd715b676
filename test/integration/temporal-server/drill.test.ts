import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDrill } from '../../../client/drills.js';
import { issueCert, makeCa } from '../../../devstack/certs.js';
import { certDir } from '../../../devstack/temporal-server.js';
import { TEMPORAL_SERVER_VERSION } from '../../../devstack/versions.js';
import type { DrillResult } from '../../../report/result.js';
import { type JanitorReport, janitorWorkflowType } from '../../../workflows/contract.js';
import { useDrillBed } from '../../support/drill-bed.js';
import { deleteWeb, deployWeb, drillSpec, httpProbe, markedRuns, nodeChanges, settledNodeChanges, snapshotNodes, temporalEnv, waitForPhase } from '../../support/drill.js';
import { uniqueName } from '../../support/kube.js';
import { cli, drillDoc, writeYaml } from '../schedule/support.js';

// Drills on the real Temporal server (PostgreSQL, mTLS on), with the workers and clients the
// other integration tests use, connected with the stack's client certificate: a drill end to
// end, the janitor after a terminated run, and the one-line refusals of bad certificates.

const stack = inject('serverStack');
const { stateDir } = inject('serverState');

describe('drills on the real Temporal server with mTLS', () => {
  const bed = useDrillBed(stack, { prefix: 'srv-drill' });
  const { kc, ns, runs } = bed;

  const target = () => ({ type: 'nodes', selector: bed.nodes.selector });

  it('talks to the pinned server on PostgreSQL, over mTLS', async () => {
    const info = await bed.w.client.workflowService.getClusterInfo({});
    expect(info.serverVersion).toBe(TEMPORAL_SERVER_VERSION.slice(1));
    expect(info.persistenceStore).toMatch(/postgres/);
    expect(info.visibilityStore).toMatch(/postgres/);
    expect(stack.temporal.tls?.certFile).toBeTruthy();
  });

  it('a drain drill runs end to end: RTO measured, every node restored', async () => {
    await deployWeb(kc, ns, 'web', bed.nodes, { replicas: 2, servedBy: bed.sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      probes: [httpProbe('web', `${bed.sim.url}/svc/${ns}/web/`)],
      objectives: [{ type: 'rto', probe: 'web', target: '30s' }],
    });
    const handle = await startDrill(bed.w.client, bed.w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    runs.add(handle.firstExecutionRunId);
    const r = (await handle.result()) as DrillResult;
    expect(r.outcome, r.outcomeReason).toBe('passed');
    expect(r.injection?.evicted).toBe(2);
    expect(r.measurements.probes[0]?.recovered).toBe(true);
    expect(r.restore?.nodes).toEqual([...bed.nodes.names].sort().map((name) => ({ name, restored: true })));
    expect(await nodeChanges(kc, before, { mine: runs })).toEqual([]);
    // Visibility on PostgreSQL finds the run by the drill's search attribute.
    const found: string[] = [];
    for await (const wf of bed.w.client.workflow.list({ query: `FiredrillDrill = '${spec.spec.metadata.name}'` })) found.push(wf.workflowId);
    expect(found).toContain(handle.workflowId);
    await deleteWeb(kc, ns, 'web');
  });

  it('a run terminated mid-hold leaves its marks; the janitor restores exactly what it changed', async () => {
    await deployWeb(kc, ns, 'term-web', bed.nodes, { servedBy: bed.sim });
    const before = await snapshotNodes(kc);
    const spec = await drillSpec({
      target: target(),
      timing: { hold: '2m', maxDuration: '5m' },
      probes: [httpProbe('web', `${bed.sim.url}/svc/${ns}/term-web/`)],
    });
    const handle = await startDrill(bed.w.client, bed.w.target, spec.spec, spec.sha256, { approvedBy: 'integration-test' });
    const runId = handle.firstExecutionRunId;
    runs.add(runId);
    await waitForPhase(handle, 'hold');
    await handle.terminate('integration test: a run lost without its finally');
    await expect(handle.result()).rejects.toThrow();
    expect((await markedRuns(kc)).get(runId)).toEqual([...bed.nodes.names].sort());

    const report = (await bed.w.client.workflow.execute(janitorWorkflowType, {
      taskQueue: bed.w.taskQueue, workflowId: uniqueName('janitor-srv'), args: [{}],
    })) as JanitorReport;
    const entry = report.restored.find((x) => x.runId === runId);
    expect(entry?.workflowId).toBe(handle.workflowId);
    expect([...entry?.nodes ?? []].sort()).toEqual([...bed.nodes.names].sort());
    expect((await markedRuns(kc)).get(runId)).toBeUndefined();
    expect(await settledNodeChanges(kc, before, { mine: runs })).toEqual([]);
    for (const name of bed.nodes.names) expect((await kc.makeApiClient(k8s.CoreV1Api).readNode({ name })).spec?.unschedulable).toBeFalsy();
    await deleteWeb(kc, ns, 'term-web');
  });
});

describe('bad certificates against the real server', () => {
  let dir: string;
  let drillFile: string;
  const base = () => ({ ...process.env, ...temporalEnv(stack), KUBECONFIG: stack.kubeconfig, FIREDRILL_TASK_QUEUE: uniqueName('srv-tls') });
  const progress = () => undefined;
  const certs: Record<string, { certFile: string; keyFile: string }> = {};
  let otherCa: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-tls-'));
    const stackCa = { caFile: path.join(certDir(stateDir), 'ca.pem'), caKeyFile: path.join(certDir(stateDir), 'ca.key') };
    const other = await makeCa(dir, 'other-ca', progress, 30);
    otherCa = other.caFile;
    certs.expired = await issueCert(stackCa, dir, 'expired', { usage: 'client', days: -1, progress });
    certs.foreign = await issueCert(other, dir, 'foreign', { usage: 'client', progress });
    // A drill that never starts: every case below is refused while connecting.
    drillFile = await writeYaml(dir, 'drill.yaml', drillDoc(uniqueName('it-tls'), { name: 'none', selector: 'firedrill-test/none=x', unschedulable: async () => false, release: async () => undefined }, 'http://127.0.0.1:9/'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => Record<string, string | undefined>, RegExp]> = [
    ['a CA that did not sign the server', () => ({ TEMPORAL_TLS_CA: otherCa }), /its certificate is not signed by the CA in TEMPORAL_TLS_CA=.*other-ca\.pem$/],
    ['an expired client certificate', () => ({ TEMPORAL_TLS_CERT: certs.expired?.certFile, TEMPORAL_TLS_KEY: certs.expired?.keyFile }), /refused TEMPORAL_TLS_CERT=.*expired\.pem: it has expired \(valid until .*\)$/],
    ['a client certificate of another CA', () => ({ TEMPORAL_TLS_CERT: certs.foreign?.certFile, TEMPORAL_TLS_KEY: certs.foreign?.keyFile }), /does not trust TEMPORAL_TLS_CERT=.*foreign\.pem/],
    ['no client certificate', () => ({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' }), /requires a client certificate \(mTLS\): set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY$/],
    ['no TLS at all', () => ({ TEMPORAL_TLS_CA: '', TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '', TEMPORAL_TLS_SERVER_NAME: '' }), /requires TLS: set TEMPORAL_TLS_CA/],
  ];

  it.each(cases)('`firedrill run` with %s fails in one line (exit 2), starting nothing', async (_what, env, line) => {
    const res = await cli(['run', drillFile, '--approve'], { ...base(), ...env() });
    expect(res.code, res.stderr).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^firedrill: Temporal at 127\.0\.0\.1:\d+/);
    expect(lines[0]).toMatch(line);
  });

  it('`firedrill worker` with a wrong CA fails in the same one line', async () => {
    const res = await cli(['worker', '--no-janitor-schedule'], { ...base(), TEMPORAL_TLS_CA: otherCa, FIREDRILL_LOG_LEVEL: 'error' });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr.trim().split('\n').filter((l) => !l.startsWith('{'))).toEqual([expect.stringMatching(/^firedrill: Temporal at .*its certificate is not signed by the CA in TEMPORAL_TLS_CA=/)]);
  });
});
