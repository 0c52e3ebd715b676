import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPolicy, loadPolicy } from '../../../activities/policy.js';
import { loadDrillFile } from '../../../drills/load.js';
import type { DrillSpec } from '../../../drills/schema/index.js';

// The worker's own policy: the spec a workflow was started with is checked again by the drill
// schema, then against the limits of this worker, each refusal naming its rule.

const env = { FIREDRILL_SIMULATOR_URL: 'http://127.0.0.1:18080' };
async function load(file: string): Promise<DrillSpec> {
  const r = await loadDrillFile(file, { env });
  if (!r.ok) throw new Error(`${file} is invalid`);
  return r.spec;
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'firedrill-policy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('worker policy', () => {
  it('passes every sample drill, parsed, through the schema again', async () => {
    for (const f of ['pangyo-zone-loss', 'whole-cluster-power-loss', 'quarterly-zone-rotation-zone-b', 'pangyo-site-loss']) {
      expect(checkPolicy(await load(`drills/${f}.yaml`), {}), f).toEqual([]);
    }
  });

  it('refuses a hand-made spec the schema refuses, naming the rule schema', async () => {
    const spec = await load('drills/pangyo-zone-loss.yaml');
    const bad = { ...spec, safety: { ...spec.safety, maxFraction: 7 }, timing: { ...spec.timing, hold: -5 } } as DrillSpec;
    const v = checkPolicy(bad, {});
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ rule: 'schema', message: expect.stringMatching(/safety\.maxFraction/) });
    expect(checkPolicy({ ...spec, extra: true } as DrillSpec, {})[0]?.rule).toBe('schema');
  });

  it('names each rule a drill breaks: contexts, fault modes, whole cluster, fraction, quorum, keys', async () => {
    const whole = await load('drills/whole-cluster-power-loss.yaml');
    const rules = (p: Parameters<typeof checkPolicy>[1], spec = whole, plan?: { targetNodes: number; clusterNodes: number }) => checkPolicy(spec, p, plan).map((v) => v.rule);
    expect(rules({ allowedContexts: ['prod-b'] })).toEqual(['allowedContexts']);
    expect(rules({ allowedContexts: ['dr-primary'] })).toEqual([]);
    expect(rules({ faultModes: ['cordon', 'drain'] })).toEqual(['faultModes']);
    expect(rules({ allowWholeCluster: false })).toEqual(['allowWholeCluster']);
    expect(rules({ maxFraction: 0.5 })).toEqual(['maxFraction']);
    expect(rules({ wholeClusterQuorum: 2 })).toEqual([]);
    expect(rules({ wholeClusterQuorum: 3 })).toEqual(['wholeClusterQuorum']);
    expect(rules({ wholeClusterSigned: true })).toEqual(['wholeClusterSigned']);
    const zone = await load('drills/pangyo-zone-loss.yaml');
    expect(rules({ allowedContexts: ['default'] }, zone)).toEqual([]);
    expect(rules({ maxFraction: 0.5 }, zone, { targetNodes: 2, clusterNodes: 3 })).toEqual(['maxFraction']);
    expect(rules({ maxFraction: 0.5 }, zone, { targetNodes: 1, clusterNodes: 3 })).toEqual([]);
  });

  it('comes from FIREDRILL_POLICY_FILE or FIREDRILL_POLICY_* variables, and a malformed one is an error naming its source', () => {
    expect(loadPolicy({})).toEqual({ source: 'FIREDRILL_POLICY_* variables' });
    expect(loadPolicy({
      FIREDRILL_POLICY_CONTEXTS: 'a, b', FIREDRILL_POLICY_MAX_FRACTION: '0.34', FIREDRILL_POLICY_WHOLE_CLUSTER: 'false',
      FIREDRILL_POLICY_FAULT_MODES: 'cordon', FIREDRILL_POLICY_WHOLE_CLUSTER_QUORUM: '2',
    })).toEqual({ source: 'FIREDRILL_POLICY_* variables', allowedContexts: ['a', 'b'], maxFraction: 0.34, allowWholeCluster: false, faultModes: ['cordon'], wholeClusterQuorum: 2 });
    const file = path.join(tmp, 'policy.yaml');
    writeFileSync(file, 'allowedContexts: [site-a]\nwholeClusterSigned: true\n');
    expect(loadPolicy({ FIREDRILL_POLICY_FILE: file })).toEqual({ source: file, allowedContexts: ['site-a'], wholeClusterSigned: true });
    writeFileSync(file, 'maxFraction: 2\nfaultModes: [explode]\n');
    expect(() => loadPolicy({ FIREDRILL_POLICY_FILE: file })).toThrow(/invalid worker policy .*maxFraction.*faultModes/);
    expect(() => loadPolicy({ FIREDRILL_POLICY_MAX_FRACTION: 'half' })).toThrow(/maxFraction/);
  });
});
