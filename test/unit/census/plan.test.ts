import { describe, expect, it } from 'vitest';
import {
  computeCensus,
  formatPlan,
  guardVerdict,
  PLAN_SCHEMA_VERSION,
  toPlanSummary,
  type Plan,
} from '../../../activities/census/index.js';
import { bytes, cpuMilli, formatBytes, formatCpu } from '../../../activities/census/quantity.js';
import { deployment, pdb, snapshot, spec, ZONE } from './fixtures/cluster.js';

describe('quantities', () => {
  it('reads CPU in millicores and memory in bytes', () => {
    expect([cpuMilli('100m'), cpuMilli('0.1'), cpuMilli('2'), cpuMilli('1.5'), cpuMilli(undefined), cpuMilli('250000u')]).toEqual([100, 100, 2000, 1500, 0, 250]);
    expect([bytes('64Mi'), bytes('1Gi'), bytes('1G'), bytes('128974848'), bytes('129e6'), bytes('1.5Ki'), bytes('110')]).toEqual([
      64 * 2 ** 20, 2 ** 30, 1e9, 128974848, 129e6, 1536, 110,
    ]);
    expect(bytes('nonsense')).toBe(0);
  });
  it('prints them back compactly', () => {
    expect([formatCpu(1500), formatCpu(2000), formatBytes(2 ** 30), formatBytes(1536 * 2 ** 20), formatBytes(100)]).toEqual(['1500m', '2', '1Gi', '1.5Gi', '100']);
  });
});

function plan(): Plan {
  const s = spec();
  const pinned = deployment('ops', 'console', ['zone-a-0'], { nodeSelector: { [ZONE]: 'zone-a' } });
  const web = deployment('shop', 'web', ['zone-a-1', 'zone-b-1']);
  const far = deployment('shop', 'far', ['zone-c-1']);
  const snap = snapshot({ extra: [pinned, web, far], pdbs: [pdb('ops', 'console', 'console', { minAvailable: 1, desiredHealthy: 1, expectedPods: 1, currentHealthy: 1 })] });
  const census = computeCensus(s, snap);
  return { schemaVersion: PLAN_SCHEMA_VERSION, takenAt: snap.takenAt, cluster: { server: snap.server }, ...census, verdict: guardVerdict(s, census) };
}

describe('the plan summary kept in a drill result', () => {
  it('keeps the predicted impact: touched workloads, losses, blocking PDBs, pending pods, verdict', () => {
    const p = plan();
    const s = toPlanSummary(p);
    expect(s.targetNodes.map((n) => n.name)).toEqual(['zone-a-0', 'zone-a-1', 'zone-a-2', 'zone-a-3']);
    expect(s.clusterNodes).toBe(12);
    expect(s.workloads.map((w) => w.name)).toEqual(['console', 'web']);
    expect(s.losesAll).toEqual([{ kind: 'Deployment', namespace: 'ops', name: 'console' }]);
    expect(s.blockingPdbs).toEqual([{ namespace: 'ops', name: 'console', reason: expect.stringMatching(/allows no disruption/) }]);
    expect(s.pendingAfterMove).toEqual([`ops/console-5d8f7c-0: pinned to ${ZONE}=zone-a by its nodeSelector`]);
    expect(s.verdict).toEqual({ allowed: true, reasons: [] });
    // Plain data: it survives JSON unchanged, as it must inside a workflow result.
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('the readable plan', () => {
  it('shows every section and the verdict', () => {
    const text = formatPlan(plan()).join('\n');
    for (const heading of ['target: zone zone-a', 'LOSES ALL REPLICAS (1)', 'PodDisruptionBudgets that block a drain', 'zone-bound volumes',
      'DaemonSets (ignored by drain)', 'placement:', 'capacity:', 'verdict: ALLOWED']) {
      expect(text).toContain(heading);
    }
    expect(text).toMatch(/Deployment\s+ops\s+console\s+1\s+1\s+1\s+0\s+LOSES ALL/);
    expect(text).not.toContain('far');
  });
});
