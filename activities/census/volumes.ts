import type { NodeInfo, NodeSelectorTerm, PodInfo, PvcInfo, PvInfo } from './model.js';
import { matchesNodeTerms } from './selectors.js';
import type { ZoneBoundVolume } from './types.js';
import { isLive } from './workloads.js';

// A PersistentVolume with node affinity (a zonal disk, a local volume) can only be used on the
// nodes it names. When all of those are in the target, the pods mounting it cannot move.

const podKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The claim bound to a volume: the volume's claimRef, else a claim that names the volume. */
function claimOf(pv: PvInfo, pvcs: PvcInfo[]): { namespace: string; name: string } | undefined {
  if (pv.claim) return pv.claim;
  const pvc = pvcs.find((c) => c.volumeName === pv.name);
  return pvc ? { namespace: pvc.namespace, name: pvc.name } : undefined;
}

export interface VolumeCensus {
  zoneBound: ZoneBoundVolume[];
  /** Node affinity every pod must satisfy because of the volumes it mounts, by `namespace/pod`. */
  podConstraints: Map<string, Array<{ volume: string; terms: NodeSelectorTerm[] }>>;
}

export function volumeCensus(
  pvs: PvInfo[],
  pvcs: PvcInfo[],
  pods: PodInfo[],
  nodes: NodeInfo[],
  inTarget: Set<string>,
  zoneLabel: string,
): VolumeCensus {
  /** `namespace/claim` → `namespace/pod` of the live pods mounting it. */
  const podsByClaim = new Map<string, string[]>();
  for (const p of pods) {
    if (!isLive(p)) continue;
    for (const c of p.claims) {
      const k = podKey(p.namespace, c);
      const list = podsByClaim.get(k);
      if (list) list.push(podKey(p.namespace, p.name));
      else podsByClaim.set(k, [podKey(p.namespace, p.name)]);
    }
  }
  // Cordoned nodes outside the target cannot take the pod either.
  const usableOutside = nodes.filter((n) => !inTarget.has(n.name) && !n.unschedulable);
  const zoneBound: ZoneBoundVolume[] = [];
  const podConstraints = new Map<string, Array<{ volume: string; terms: NodeSelectorTerm[] }>>();

  for (const pv of pvs) {
    if (!pv.nodeAffinity) continue;
    const terms = pv.nodeAffinity;
    const claim = claimOf(pv, pvcs);
    const users = claim ? podsByClaim.get(podKey(claim.namespace, claim.name)) ?? [] : [];
    for (const pod of users) podConstraints.set(pod, [...(podConstraints.get(pod) ?? []), { volume: pv.name, terms }]);

    const targetMatches = nodes.filter((n) => inTarget.has(n.name) && matchesNodeTerms(n, terms));
    if (targetMatches.length === 0 || usableOutside.some((n) => matchesNodeTerms(n, terms))) continue;
    const zones = [...new Set(targetMatches.map((n) => n.labels[zoneLabel] ?? ''))].filter(Boolean).sort();
    zoneBound.push({
      name: pv.name,
      zone: zones.length ? zones.join(',') : targetMatches.map((n) => n.name).join(','),
      claim: claim ? podKey(claim.namespace, claim.name) : undefined,
      pods: [...users].sort(),
    });
  }
  return { zoneBound: zoneBound.sort((a, b) => a.name.localeCompare(b.name)), podConstraints };
}
