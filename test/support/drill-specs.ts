import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadDrillFile } from '../../drills/load.js';
import { formatProblem } from '../../drills/positions.js';
import type { DrillSpec } from '../../drills/schema/index.js';
import { uniqueName } from './kube.js';

// Drill specs for tests, built from overrides and passed through the real loader.

export type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
export function merge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isDoc(b) && isDoc(v) ? merge(b, v) : v;
  }
  return out;
}

export interface LoadedDrill {
  spec: DrillSpec;
  sha256: string;
}

/**
 * A drill with short timings, written as YAML and read back through the real loader, so the
 * schema validates it and fills its defaults exactly as for a file in drills/.
 */
export async function drillSpec(overrides: Doc): Promise<LoadedDrill> {
  const base: Doc = {
    apiVersion: 'firedrill.dev/v1',
    kind: 'Drill',
    // Unique per drill: startDrill refuses a second open run of the same drill and target.
    metadata: { name: uniqueName('it-drill'), owner: 'integration-tests' },
    fault: { mode: 'drain', evictionTimeout: '10s' },
    timing: { hold: '12s', maxDuration: '3m' },
    approval: { required: false },
    safety: { maxFraction: 0.5 },
    report: { formats: ['json'] },
  };
  const source = YAML.stringify(merge(base, overrides));
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-spec-'));
  try {
    const file = path.join(dir, 'drill.yaml');
    await writeFile(file, source);
    const loaded = await loadDrillFile(file);
    if (!loaded.ok) throw new Error(`test drill is invalid:\n${loaded.problems.map(formatProblem).join('\n')}\n---\n${source}`);
    return { spec: loaded.spec, sha256: loaded.sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An HTTP probe with short timings: 500 ms interval, stable after 2 s. */
export function httpProbe(name: string, url: string, extra: Doc = {}): Doc {
  return { name, type: 'http', url, interval: '500ms', timeout: '1s', tolerance: { stableFor: '2s' }, ...extra };
}
