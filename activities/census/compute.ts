import { capacityCensus } from './capacity.js';
import type { ClusterSnapshot, PodInfo } from './model.js';
import { pdbCensus } from './pdbs.js';
import { placementCensus } from './placement.js';
import { powerLossWarning, toleratesPowerLoss } from './power-loss.js';
import { selectTarget } from './target.js';
import type { Census, CensusSpec, PodRef, Where } from './types.js';
import { volumeCensus } from './volumes.js';
import { daemonSetCensus, isLive, keyOf, ownership, workloadCensus, type Ownership } from './workloads.js';

// The blast-radius census: what the drill's target holds and what losing it would do. Pure: the
// same spec and snapshot always give the same census. It describes losing the target whatever the
// fault mode; the fault only decides how much of it a drill really takes away.

interface PodSplit {
  movers: PodInfo[];
  notEvicted: PodRef[];
  unmanaged: PodRef[];
  /** power-loss: protected pods the taint kills all the same. */
  killedProtected: PodRef[];
}

/** Sorts the live pods on target nodes by what the fault does with them. */
function splitTargetPods(pods: PodInfo[], inTarget: Set<string>, protectedNs: Set<string>, own: Ownership, fault: Census['fault']): PodSplit {
  const split: PodSplit = { movers: [], notEvicted: [], unmanaged: [], killedProtected: [] };
  for (const p of pods) {
    if (p.nodeName === undefined || !inTarget.has(p.nodeName) || !isLive(p)) continue;
    if (own.directOf(p)?.kind === 'DaemonSet') continue;
    const ref = { namespace: p.namespace, pod: p.name, node: p.nodeName };
    const killedAnyway = fault === 'power-loss' && !toleratesPowerLoss(p.tolerations);
    if (p.mirror) split.notEvicted.push({ ...ref, reason: 'mirror pod of a static pod: the API cannot evict it' });
    else if (fault === 'power-loss' && !killedAnyway) split.notEvicted.push({ ...ref, reason: 'tolerates the power-loss taint' });
    else if (protectedNs.has(p.namespace) && !killedAnyway) split.notEvicted.push({ ...ref, reason: `protected namespace ${p.namespace}` });
    else if (!p.owner) split.unmanaged.push({ ...ref, reason: 'no controller: a drain deletes it and nothing recreates it' });
    else split.movers.push(p);
    if (killedAnyway && !p.mirror && protectedNs.has(p.namespace)) {
      split.killedProtected.push({ ...ref, reason: `protected namespace ${p.namespace}, no toleration for the NoExecute taint` });
    }
  }
  return split;
}

function watchedWorkloads(spec: CensusSpec): Set<string> {
  return new Set((spec.probes ?? []).flatMap((p) => (p.type === 'kubernetes' ? [keyOf(p.workload)] : [])));
}

function warningsFor(spec: CensusSpec, c: Omit<Census, 'warnings'>): string[] {
  const w: string[] = [];
  const killed = c.powerLossKills;
  if (killed?.length) w.push(powerLossWarning(killed));
  const cordoned = c.target.nodes.filter((n) => n.unschedulable).map((n) => n.name);
  if (cordoned.length) w.push(`target nodes already cordoned (restore leaves them so): ${cordoned.join(', ')}`);
  const known = new Set(c.workloads.map((x) => keyOf(x)));
  for (const p of spec.probes ?? []) {
    if (p.type === 'kubernetes' && !known.has(keyOf(p.workload))) {
      const r = p.workload;
      w.push(`probe ${p.name} watches ${r.kind} ${r.namespace}/${r.name}, which does not exist`);
    }
  }
  for (const m of c.placement.monitoring) {
    const what = `monitoring ${m.kind} ${m.namespace}/${m.name}`;
    if (!m.found) w.push(`${what} does not exist`);
    else if (m.inside === 'some') w.push(`${what} has ${m.readyInTarget} of ${m.readyInTarget + m.readyOutside} ready replicas in the target`);
  }
  if (c.unmanagedPods.length) w.push(`${c.unmanagedPods.length} pod(s) in the target have no controller: a drain deletes them for good`);
  return w;
}

export function computeCensus(spec: CensusSpec, snapshot: ClusterSnapshot, where: Where = {}): Census {
  const protectedNs = new Set(spec.safety.protectedNamespaces);
  const { names: inTarget, census: target } = selectTarget(spec.target, snapshot.nodes);
  const own = ownership(snapshot.workloads);

  const workloads = workloadCensus(snapshot.workloads, snapshot.pods, inTarget, own, watchedWorkloads(spec));
  const volumes = volumeCensus(snapshot.pvs, snapshot.pvcs, snapshot.pods, snapshot.nodes, inTarget, target.zoneLabel);
  const split = splitTargetPods(snapshot.pods, inTarget, protectedNs, own, spec.fault.mode);
  const ownerOf = (p: PodInfo): string => {
    const k = own.workloadOf(p) ?? p.owner;
    return k ? `${k.kind}/${k.name}` : '';
  };

  const census: Omit<Census, 'warnings'> = {
    drill: spec.metadata.name,
    fault: spec.fault.mode,
    target,
    workloads,
    losesAll: workloads.filter((w) => w.losesAll).map(({ kind, namespace, name }) => ({ kind, namespace, name })),
    daemonSets: daemonSetCensus(workloads),
    pdbs: pdbCensus(snapshot.pdbs, snapshot.pods, inTarget, protectedNs),
    zoneBoundVolumes: volumes.zoneBound,
    notEvicted: split.notEvicted,
    unmanagedPods: split.unmanaged,
    ...(spec.fault.mode === 'power-loss' ? { powerLossKills: split.killedProtected } : {}),
    placement: placementCensus(spec, where, snapshot.workloads, snapshot.pods, inTarget, own),
    capacity: capacityCensus({
      nodes: snapshot.nodes,
      pods: snapshot.pods,
      inTarget,
      movers: split.movers,
      ownerOf,
      volumeConstraints: volumes.podConstraints,
      zoneLabel: target.zoneLabel,
    }),
  };
  return { ...census, warnings: warningsFor(spec, census) };
}
