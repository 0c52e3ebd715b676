import { describe, expect, it } from 'vitest';
import { deploymentMallocArenaMax, deploymentNodeOptions } from '../../../bench/deployment-options.js';

// The benchmark's second worker runs with the Node options of the deployment manifest itself.

describe('the deployment\'s Node options', () => {
  it('are read from deploy/40-worker.yaml: the young-generation size and the old-space cap', () => {
    const options = deploymentNodeOptions();
    expect(options.split(' ')).toEqual(expect.arrayContaining(['--max-semi-space-size=1', expect.stringMatching(/^--max-old-space-size=\d+$/)]));
  });

  it('take the worker container\'s, and say so when it sets none', () => {
    const manifest = (env: string) => `spec: { template: { spec: { containers: [{ name: sidecar, env: [{ name: NODE_OPTIONS, value: --other }] }, { name: worker, env: [${env}] }] } } }`;
    expect(deploymentNodeOptions(manifest('{ name: NODE_OPTIONS, value: --jitless }'))).toBe('--jitless');
    expect(() => deploymentNodeOptions(manifest('{ name: FIREDRILL_LOG_LEVEL, value: info }'))).toThrow(/40-worker.yaml: the worker container sets no NODE_OPTIONS/);
  });

  it('read MALLOC_ARENA_MAX from the worker container, and nothing when it sets none', () => {
    const manifest = (env: string) => `spec: { template: { spec: { containers: [{ name: sidecar, env: [{ name: MALLOC_ARENA_MAX, value: "8" }] }, { name: worker, env: [${env}] }] } } }`;
    expect(deploymentMallocArenaMax(manifest('{ name: MALLOC_ARENA_MAX, value: "2" }'))).toBe('2');
    expect(deploymentMallocArenaMax(manifest('{ name: NODE_OPTIONS, value: --jitless }'))).toBeUndefined();
  });
});
