import { describe, expect, it } from 'vitest';
import { benchSpec, httpProbe } from '../../../bench/spec.js';

// The benchmarks' drills go through the CLI's loader: one it would refuse fails here, not an hour into a run.

describe('benchmark drills', () => {
  it('parse as the CLI parses them, with their probes and safety', () => {
    const { spec } = benchSpec({
      name: 'bench-power', target: '{ type: zone, zone: zone-a }', fault: '{ mode: power-loss, concurrency: 100 }',
      timing: '{ hold: 30m, maxDuration: 40m }', probes: [httpProbe('ok', 'http://127.0.0.1:1/'), httpProbe('p1', 'http://127.0.0.1:1/p1', '500ms', '0s')],
      safety: '{ maxNodes: 100, maxFraction: 0.5, protectedNamespaces: [kube-system] }',
    });
    expect(spec.fault).toMatchObject({ mode: 'power-loss', concurrency: 100 });
    expect(spec.probes.map((p) => [p.name, p.interval, p.tolerance.stableFor])).toEqual([['ok', 1000, 1000], ['p1', 500, 0]]);
    expect(spec.safety.maxNodes).toBe(100);
  });

  it('a drill the loader refuses names the benchmark and the field', () => {
    expect(() => benchSpec({ name: 'bench-bad', target: '{ type: zone }', fault: '{ mode: cordon }', timing: '{ hold: 5s }', probes: [] }))
      .toThrow(/benchmark drill bench-bad is invalid/);
  });
});
