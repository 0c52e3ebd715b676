import { parseDrillSource } from '../drills/load.js';
import { formatProblem } from '../drills/positions.js';
import type { DrillSpec } from '../drills/schema/index.js';

// The benchmarks' drills, written as a user writes one: YAML through the same loader as
// `firedrill run`, so a benchmark never runs a drill the CLI would refuse.

export interface BenchDrill {
  name: string;
  /** Each a YAML flow mapping, e.g. `{ type: zone, zone: zone-a }`. */
  target: string;
  fault: string;
  timing: string;
  /** Lines of the probes list (see httpProbe). */
  probes: string[];
  safety?: string;
}

/** One HTTP probe as a line of the probes list. */
export function httpProbe(name: string, url: string, interval = '1s', stableFor = '1s'): string {
  return `  - { name: ${name}, type: http, url: "${url}", interval: ${interval}, tolerance: { stableFor: ${stableFor} } }`;
}

export function benchDrillYaml(d: BenchDrill): string {
  return [
    'apiVersion: firedrill.dev/v1', 'kind: Drill',
    `metadata: { name: ${d.name}, owner: bench }`,
    `target: ${d.target}`,
    `fault: ${d.fault}`,
    `timing: ${d.timing}`,
    'probes:', ...d.probes,
    ...(d.safety ? [`safety: ${d.safety}`] : []),
    'report: { formats: [json] }',
  ].join('\n');
}

export function parseSpec(yaml: string, name: string): { spec: DrillSpec; sha256: string } {
  const loaded = parseDrillSource(new TextEncoder().encode(yaml), `bench:${name}`);
  if (!loaded.ok) throw new Error(`benchmark drill ${name} is invalid:\n${loaded.problems.map(formatProblem).join('\n')}`);
  return { spec: loaded.spec, sha256: loaded.sha256 };
}

/** A benchmark drill, parsed. */
export function benchSpec(d: BenchDrill): { spec: DrillSpec; sha256: string } {
  return parseSpec(benchDrillYaml(d), d.name);
}
