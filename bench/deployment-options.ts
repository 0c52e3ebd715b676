import fs from 'node:fs';
import YAML from 'yaml';

// The Node options the worker is deployed with, read from the manifest itself
// (deploy/40-worker.yaml), so the benchmark's second worker runs what a cluster runs.

const MANIFEST = new URL('../deploy/40-worker.yaml', import.meta.url);

function workerEnv(manifest: string, name: string): string | undefined {
  const dep = YAML.parse(manifest) as { spec?: { template?: { spec?: { containers?: Array<{ name?: string; env?: Array<{ name: string; value?: string }> }> } } } };
  const worker = dep.spec?.template?.spec?.containers?.find((c) => c.name === 'worker') ?? dep.spec?.template?.spec?.containers?.[0];
  return worker?.env?.find((e) => e.name === name)?.value;
}

export function deploymentNodeOptions(manifest: string = fs.readFileSync(MANIFEST, 'utf8')): string {
  const value = workerEnv(manifest, 'NODE_OPTIONS');
  if (!value) throw new Error('deploy/40-worker.yaml: the worker container sets no NODE_OPTIONS');
  return value;
}

/** glibc's MALLOC_ARENA_MAX of the worker container; undefined when it sets none. */
export function deploymentMallocArenaMax(manifest: string = fs.readFileSync(MANIFEST, 'utf8')): string | undefined {
  return workerEnv(manifest, 'MALLOC_ARENA_MAX');
}
