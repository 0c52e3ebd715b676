import type { DrillSpec } from './schema/index.js';
import { locateInSource, type Problem } from './positions.js';

// Things a valid drill file may mean otherwise than it says: `validate` prints them as warnings
// (the file stays valid, the exit code 0), each at the field it is about.

/** Warnings for one valid drill; `source` is its YAML text, to point at the field. */
export function drillWarnings(file: string, spec: DrillSpec, source: string): Problem[] {
  const out: Problem[] = [];
  if (spec.fault.mode === 'power-loss' && spec.safety.protectedNamespaces.length) {
    const path = ['safety', 'protectedNamespaces'];
    const at = locateInSource(source, path);
    out.push({
      file, ...at, path: path.join('.'),
      message: `fault power-loss taints NoExecute, which kills every pod without a toleration for it; protectedNamespaces (${spec.safety.protectedNamespaces.join(', ')}) keep a drain's evictions away, not the taint (firedrill plan lists the pods it kills)`,
    });
  }
  return out;
}
