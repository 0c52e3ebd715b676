import { describe, expect, it } from 'vitest';
import { computeCensus, formatPlan, guardVerdict, PLAN_SCHEMA_VERSION, toPlanSummary } from '../../../activities/census/index.js';
import { TAINT_KEY } from '../../../activities/faults/marks.js';
import { pod, snapshot, spec } from './fixtures/cluster.js';

// A NoExecute taint kills what does not tolerate it, protected namespace or not.
const powerLoss = () => ({ ...spec(), fault: { mode: 'power-loss' as const, concurrency: 20, evictionTimeout: 120_000 } });
const owner = { kind: 'ReplicaSet', name: 'dns' };
const pods = [
  pod('kube-system', 'dns-a', 'zone-a-0', { owner }),
  pod('kube-system', 'dns-b', 'zone-a-1', { owner, tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoExecute' }] }),
  pod('kube-system', 'agent', 'zone-a-2', { owner, tolerations: [{ operator: 'Exists' }] }),
  pod('kube-system', 'dns-far', 'zone-b-0', { owner }),
];

describe('power-loss and protected namespaces', () => {
  it('lists protected pods without a toleration as killed, and warns', () => {
    const c = computeCensus(powerLoss(), snapshot({ pods }));
    expect(c.powerLossKills?.map((p) => p.pod)).toEqual(['dns-a']);
    expect(c.notEvicted.map((p) => [p.pod, p.reason])).toEqual([
      ['dns-b', 'tolerates the power-loss taint'],
      ['agent', 'tolerates the power-loss taint'],
    ]);
    expect(c.warnings).toContainEqual(expect.stringMatching(/protectedNamespaces do not stop: 1 pod\(s\) in protected namespaces \(kube-system 1\)/));
  });

  it('keeps protected pods out of a drain, with no such warning', () => {
    const c = computeCensus(spec(), snapshot({ pods }));
    expect(c.powerLossKills).toBeUndefined();
    expect(c.notEvicted.map((p) => p.pod)).toEqual(['dns-a', 'dns-b', 'agent']);
    expect(c.warnings.join('\n')).not.toMatch(/power-loss/);
  });

  it('says so in the printed plan and in the summary a report keeps', () => {
    const s = powerLoss();
    const snap = snapshot({ pods });
    const census = computeCensus(s, snap);
    const plan = { schemaVersion: PLAN_SCHEMA_VERSION, takenAt: snap.takenAt, cluster: { server: snap.server }, ...census, verdict: guardVerdict(s, census) };
    const text = formatPlan(plan).join('\n');
    expect(text).toMatch(/protectedNamespaces do not either: only a toleration does/);
    expect(text).toMatch(/- power-loss taints NoExecute, which protectedNamespaces do not stop/);
    expect(toPlanSummary(plan).warnings).toContainEqual(expect.stringMatching(/kube-system 1\) have no toleration/));
  });
});
