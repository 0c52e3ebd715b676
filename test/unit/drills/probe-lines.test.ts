import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { drillEnv } from '../../../drills/env-substitution.js';
import { loadDrillFile } from '../../../drills/load.js';
import { withProbeLines } from '../../../drills/probe-lines.js';

// `plan` lists the probes with their placeholders resolved, before the verdict that ends it.

const demo = fileURLToPath(new URL('../../../drills/pangyo-zone-loss.yaml', import.meta.url));

describe('the probes section of plan', () => {
  it('shows the demo drill\'s probes at the simulator of the port block, before the verdict', async () => {
    const r = await loadDrillFile(demo, { env: drillEnv({ FIREDRILL_DEV_PORT_BASE: '46000' }) });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const lines = withProbeLines(['plan for drill pangyo-zone-loss', '', 'verdict: ALLOWED'], r.spec);
    expect(lines).toEqual([
      'plan for drill pangyo-zone-loss',
      '',
      'probes:',
      '  storefront     http        GET http://127.0.0.1:46008/svc/demo/storefront/ (expect 200)',
      '  checkout       http        GET http://127.0.0.1:46008/svc/demo/checkout/ (expect 200)',
      '  ops-console    http        GET http://127.0.0.1:46008/svc/demo/ops-console/ (expect 200)',
      '  orders-rpo     rpo         write http://127.0.0.1:46008/store/demo/orders/markers, read http://127.0.0.1:46008/store/demo/orders/markers',
      '  catalog-ready  kubernetes  Deployment demo/catalog: 3 ready',
      '',
      'verdict: ALLOWED',
    ]);
  });

  it('says when a kubernetes probe wants all desired replicas', async () => {
    const r = await loadDrillFile(demo, { env: drillEnv({}) });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const probes = r.spec.probes.map((p) => (p.type === 'kubernetes' ? { ...p, minReady: undefined } : p));
    expect(withProbeLines([], { probes }).at(-1)).toBe('  catalog-ready  kubernetes  Deployment demo/catalog: all desired replicas ready');
  });
});
