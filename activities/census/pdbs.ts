import type { PdbInfo, PodInfo } from './model.js';
import { matchesLabelSelector } from './selectors.js';
import type { PdbCensus } from './types.js';
import { isLive } from './workloads.js';

// A drain evicts through the Eviction API, which refuses an eviction the PDB does not allow right
// now. A PDB blocks when more of its pods sit in the target than it allows to be disrupted.

function limitOf(pdb: PdbInfo): string {
  if (pdb.minAvailable !== undefined) return `minAvailable ${pdb.minAvailable}`;
  if (pdb.maxUnavailable !== undefined) return `maxUnavailable ${pdb.maxUnavailable}`;
  return 'no limit set';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function reasonFor(pdb: PdbInfo, inTarget: number, blocking: boolean): string {
  const limit = `${limitOf(pdb)}, ${pdb.currentHealthy}/${pdb.expectedPods} healthy`;
  if (!blocking) return `${plural(inTarget, 'pod')} in the target, ${plural(pdb.disruptionsAllowed, 'disruption')} allowed (${limit})`;
  // With no slack at all, replacements elsewhere never free up an eviction: the drain is stuck.
  if (pdb.disruptionsAllowed === 0 && pdb.expectedPods > 0 && pdb.desiredHealthy >= pdb.expectedPods) {
    return `allows no disruption (${limit}): a drain cannot evict its ${plural(inTarget, 'pod')} in the target`;
  }
  return `${plural(inTarget, 'pod')} in the target but ${plural(pdb.disruptionsAllowed, 'disruption')} allowed (${limit}): the drain waits for replacements elsewhere`;
}

/** PDBs with evictable pods in the target, blocking or not; pods of protected namespaces are not evicted. */
export function pdbCensus(pdbs: PdbInfo[], pods: PodInfo[], inTarget: Set<string>, protectedNs: Set<string>): PdbCensus[] {
  const evictable = new Map<string, PodInfo[]>();
  for (const p of pods) {
    if (p.nodeName === undefined || !inTarget.has(p.nodeName) || !isLive(p) || p.mirror) continue;
    const list = evictable.get(p.namespace);
    if (list) list.push(p);
    else evictable.set(p.namespace, [p]);
  }
  const out: PdbCensus[] = [];
  for (const pdb of pdbs) {
    if (!pdb.selector || protectedNs.has(pdb.namespace)) continue;
    const selector = pdb.selector;
    const n = (evictable.get(pdb.namespace) ?? []).filter((p) => matchesLabelSelector(p.labels, selector)).length;
    if (n === 0) continue;
    const blocking = n > pdb.disruptionsAllowed;
    out.push({
      namespace: pdb.namespace,
      name: pdb.name,
      podsInTarget: n,
      disruptionsAllowed: pdb.disruptionsAllowed,
      blocking,
      reason: reasonFor(pdb, n, blocking),
    });
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
