import type { Census, CensusSpec, Verdict } from './types.js';

// Blast-radius guards: pure policy over the census. A drill is refused, before anything changes,
// when its target is empty, bigger than declared, the whole cluster without explicit permission,
// or when it would take away the worker, Temporal or the monitoring that must survive it.

const pct = (f: number): string => `${Math.round(f * 100)}%`;

function emptyTargetReason(spec: CensusSpec, census: Census): string {
  const t = spec.target;
  if (census.target.clusterNodes === 0) return 'the cluster has no nodes';
  if (t.type === 'zone') {
    const zones = census.target.zones.filter((z) => z.zone !== '').map((z) => `${z.zone} (${z.nodes})`);
    const label = t.zoneLabel === 'topology.kubernetes.io/zone' ? '' : ` (label ${t.zoneLabel})`;
    return zones.length
      ? `zone "${t.zone}"${label} has no nodes; zones with nodes: ${zones.join(', ')}`
      : `zone "${t.zone}" has no nodes; no node carries the label ${t.zoneLabel}`;
  }
  if (t.type === 'nodes') return `selector "${t.selector}" matches no node (${census.target.clusterNodes} nodes in the cluster)`;
  return 'the target has no nodes';
}

export function guardVerdict(spec: CensusSpec, census: Census): Verdict {
  const s = spec.safety;
  const t = census.target;
  const n = t.nodes.length;
  // Nothing else is worth judging about an empty target: it is almost always a typo.
  if (n === 0) return { allowed: false, reasons: [emptyTargetReason(spec, census)] };

  const reasons: string[] = [];
  if (t.wholeCluster && !s.allowWholeCluster) {
    reasons.push(`the target is the whole cluster (${n} of ${t.clusterNodes} nodes) and safety.allowWholeCluster is not set`);
  }
  if (s.maxNodes !== undefined && n > s.maxNodes) {
    reasons.push(`the target has ${n} nodes, more than safety.maxNodes ${s.maxNodes}`);
  }
  // Explicit permission for the whole cluster is a fraction of 1 by definition.
  if (!(t.wholeCluster && s.allowWholeCluster) && t.fraction > s.maxFraction) {
    reasons.push(`the target is ${n} of ${t.clusterNodes} nodes (${pct(t.fraction)}), more than safety.maxFraction ${s.maxFraction} (${pct(s.maxFraction)})`);
  }

  const p = census.placement;
  if (p.worker.inside && !s.allowWorkerInTarget) {
    reasons.push(`the firedrill worker runs on node ${p.worker.node}, inside the target (safety.allowWorkerInTarget is not set)`);
  }
  if (p.temporal.inside.length && !s.allowTemporalInTarget) {
    reasons.push(`Temporal runs on ${p.temporal.inside.join(', ')}, inside the target (safety.allowTemporalInTarget is not set)`);
  }
  if (!s.allowMonitoringInTarget) {
    for (const m of p.monitoring.filter((x) => x.inside === 'all')) {
      reasons.push(`monitoring ${m.kind} ${m.namespace}/${m.name} runs only inside the target (${m.readyInTarget} of ${m.readyInTarget} ready replicas): the drill would blind it (safety.allowMonitoringInTarget is not set)`);
    }
  }
  return { allowed: reasons.length === 0, reasons };
}
