import type { DrillSpec, ProbeSpec } from './schema/index.js';

// What `plan` shows of a drill's probes: where each one looks, with `${...}` placeholders already
// resolved, so the reader sees the addresses the run will really use.

function where(p: ProbeSpec): string {
  switch (p.type) {
    case 'http': return `${p.method} ${p.url} (expect ${p.expectStatus.join(', ')})`;
    case 'rpo': return `write ${p.writeUrl}, read ${p.readUrl}`;
    case 'tcp': return `${p.host}:${p.port}`;
    case 'prometheus': return `${p.url} ${p.query} ${p.compare} ${p.threshold}`;
    case 'kubernetes': {
      const w = p.workload;
      return `${w.kind} ${w.namespace}/${w.name}: ${p.minReady === undefined ? 'all desired replicas' : `${p.minReady}`} ready`;
    }
  }
}

export function probeLines(spec: Pick<DrillSpec, 'probes'>): string[] {
  const width = Math.max(0, ...spec.probes.map((p) => p.name.length));
  const typeWidth = Math.max(0, ...spec.probes.map((p) => p.type.length));
  return ['', 'probes:', ...spec.probes.map((p) => `  ${p.name.padEnd(width)}  ${p.type.padEnd(typeWidth)}  ${where(p)}`)];
}

/** The plan's lines with the probes section placed before the verdict, which stays last. */
export function withProbeLines(planLines: readonly string[], spec: Pick<DrillSpec, 'probes'>): string[] {
  const verdict = planLines.findIndex((l) => l.startsWith('verdict: '));
  // The verdict follows an empty separator line; the probes go before both.
  const at = verdict > 0 && planLines[verdict - 1] === '' ? verdict - 1 : verdict < 0 ? planLines.length : verdict;
  return [...planLines.slice(0, at), ...probeLines(spec), ...planLines.slice(at)];
}
