import type { Resources } from './model.js';
import { formatBytes, formatCpu } from './quantity.js';
import type { Plan } from './types.js';

// The plan as a reader sees it in a terminal: the headline first, then every section, each
// saying "none" rather than disappearing, so an empty section is a finding and not an omission.

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

function section(title: string, body: string[], empty = 'none'): string[] {
  return ['', `${title}:`, ...(body.length ? body : [`  ${empty}`])];
}

const res = (r: Resources): string => `${formatCpu(r.cpuMilli)} CPU, ${formatBytes(r.memoryBytes)} memory, ${r.pods} pods`;
const pct = (f: number): string => `${Math.round(f * 100)}%`;

function targetLines(plan: Plan): string[] {
  const t = plan.target;
  const byZone = t.zones.map((z) => {
    const names = t.nodes.filter((n) => (n.zone ?? '') === z.zone).map((n) => `${n.name}${n.unschedulable ? ' (cordoned)' : ''}`);
    return [z.zone || '(no zone label)', `${z.targetNodes}/${z.nodes}`, names.join(', ')];
  });
  return [
    `target: ${t.description}: ${t.nodes.length} of ${t.clusterNodes} nodes (${pct(t.fraction)})${t.wholeCluster ? ', the whole cluster' : ''}`,
    ...table([['ZONE', 'IN TARGET', 'NODES'], ...byZone]),
  ];
}

function workloadLines(plan: Plan): string[] {
  const touched = plan.workloads.filter((w) => w.podsInTarget > 0 || w.watched);
  const rows = touched.map((w) => [
    w.kind, w.namespace, w.name, `${w.desired}`, `${w.ready}`, `${w.readyInTarget}`, `${w.readyOutside}`,
    [w.losesAll ? 'LOSES ALL' : '', w.watched ? 'watched' : ''].filter(Boolean).join(', '),
  ]);
  const title = `workloads with pods in the target (${touched.length} of ${plan.workloads.length})`;
  return section(title, rows.length ? table([['KIND', 'NAMESPACE', 'NAME', 'DESIRED', 'READY', 'IN TARGET', 'OUTSIDE', ''], ...rows]) : []);
}

function placementLines(plan: Plan): string[] {
  const p = plan.placement;
  const worker = p.worker.inside === null
    ? `unknown (give --worker-node or FIREDRILL_NODE_NAME when it runs in this cluster)${plan.target.wholeCluster ? '; a worker on a host outside the cluster, as with the local stack, names no node and is outside' : ''}`
    : `${p.worker.node}: ${p.worker.inside ? 'INSIDE the target' : 'outside the target'}`;
  const temporal = !p.temporal.known
    ? 'unknown (give --temporal-node when it runs in this cluster)'
    : p.temporal.inside.length ? `INSIDE the target on ${p.temporal.inside.join(', ')}` : `outside the target (${p.temporal.nodes.join(', ') || 'no nodes'})`;
  const monitoring = p.monitoring.map((m) => {
    const where = !m.found ? 'not found' : m.inside === 'all' ? 'ALL ready replicas inside the target'
      : m.inside === 'some' ? `${m.readyInTarget} of ${m.readyInTarget + m.readyOutside} ready replicas inside the target`
      : 'outside the target';
    return `  monitoring ${m.kind} ${m.namespace}/${m.name}: ${where}`;
  });
  return section('placement', [
    `  firedrill worker: ${worker}`,
    `  Temporal: ${temporal}`,
    ...(monitoring.length ? monitoring : ['  monitoring: none named in the drill (safety.monitoring)']),
  ]);
}

function capacityLines(plan: Plan): string[] {
  const c = plan.capacity;
  const pending = c.pending.map((p) => `    ${p.namespace}/${p.pod} (${p.owner || 'no owner'}): ${p.reason}`);
  return section('capacity', [
    `  must move:        ${res(c.mustMove)}`,
    `  outside, free:    ${res(c.outside.free)} on ${c.outside.nodes} schedulable nodes`,
    `  outside, total:   ${res(c.outside.allocatable)} allocatable, ${res(c.outside.requested)} requested`,
    `  pending after the move: ${c.pending.length}${c.pinned ? ` (${c.pinned} pinned to the target)` : ''}`,
    ...pending,
    `  estimate: ${c.method}`,
  ]);
}

function standbyLines(plan: Plan): string[] {
  const s = plan.standby;
  if (!s) return [];
  const rows = s.workloads.map((w) => [
    w.kind, w.namespace, w.name, `${w.ready}/${w.desired}`,
    w.counterpart ? `${w.counterpart.kind === w.kind ? '' : `${w.counterpart.kind} `}${w.counterpart.namespace}/${w.counterpart.name}` : 'NONE',
    w.counterpart ? `${w.counterpart.ready}/${w.counterpart.desired}` : '',
    w.counterpart ? `by ${w.counterpart.matchedBy}` : '',
  ]);
  const c = s.capacity;
  const short = c.shortfall;
  const pending = c.pending.map((p) => `    ${p.namespace}/${p.pod} (${p.owner || 'no owner'}): ${p.reason}`);
  return [
    ...section(`standby ${s.context} (${s.server}, zones ${s.zones.join(', ') || 'none'}): counterparts`, rows.length
      ? table([['KIND', 'NAMESPACE', 'NAME', 'READY', `IN ${s.context.toUpperCase()}`, 'READY', 'MATCHED'], ...rows]) : []),
    `  rule: ${s.rule}`,
    ...section(`NO COUNTERPART IN ${s.context.toUpperCase()} (${s.noCounterpart.length})`, s.noCounterpart.map((w) => `  ${w.kind} ${w.namespace}/${w.name}`)),
    ...section(`standby capacity (${s.context})`, [
      `  must absorb:      ${res(c.mustAbsorb)} (the drilled site's pods that have a counterpart)`,
      `  free:             ${res(c.free)} on ${c.nodes} schedulable nodes`,
      `  total:            ${res(c.allocatable)} allocatable, ${res(c.requested)} requested`,
      `  no counterpart:   ${res(c.withoutCounterpart)} (cannot move anywhere)`,
      c.fits ? '  fits: yes' : `  fits: NO, short by ${res(short)}; ${c.pending.length} pod(s) would stay Pending`,
      ...pending,
      `  estimate: ${c.method}`,
    ]),
    ...(s.warnings.length ? section(`standby warnings`, s.warnings.map((w) => `  - ${w}`)) : []),
  ];
}

function faultNote(plan: Plan): string[] {
  if (plan.fault === 'cordon') return ['note: fault cordon evicts nothing; the figures show what losing the target would do'];
  if (plan.fault === 'power-loss') {
    return ['note: fault power-loss taints NoExecute: PDBs do not hold pods back (they are shown for drains), and protectedNamespaces do not either: only a toleration does'];
  }
  return [];
}

/** Human-readable plan, one line per entry. */
export function formatPlan(plan: Plan): string[] {
  const v = plan.verdict;
  return [
    `plan for drill ${plan.drill} (fault ${plan.fault}) on ${plan.cluster.server}${plan.cluster.context ? ` (context ${plan.cluster.context})` : ''} at ${plan.takenAt}`,
    ...faultNote(plan),
    ...targetLines(plan),
    ...workloadLines(plan),
    ...section(`LOSES ALL REPLICAS (${plan.losesAll.length})`, plan.losesAll.map((w) => `  ${w.kind} ${w.namespace}/${w.name}`)),
    ...section('PodDisruptionBudgets that block a drain', plan.pdbs.filter((p) => p.blocking).map((p) => `  ${p.namespace}/${p.name}: ${p.reason}`)),
    ...section('zone-bound volumes (their pods cannot move)', plan.zoneBoundVolumes.map(
      (v) => `  ${v.name} (${v.zone})${v.claim ? ` claim ${v.claim}` : ''}: ${v.pods.length ? `pods ${v.pods.join(', ')}` : 'no pod uses it'}`,
    )),
    ...section('DaemonSets (ignored by drain)', plan.daemonSets.map((d) => `  ${d.namespace}/${d.name}: ${d.podsInTarget} pod(s) in the target`)),
    ...section('not evicted', plan.notEvicted.map((p) => `  ${p.namespace}/${p.pod} on ${p.node}: ${p.reason}`)),
    ...section('pods without a controller (not recreated)', plan.unmanagedPods.map((p) => `  ${p.namespace}/${p.pod} on ${p.node}`)),
    ...placementLines(plan),
    ...capacityLines(plan),
    ...standbyLines(plan),
    ...(plan.warnings.length ? section('warnings', plan.warnings.map((w) => `  - ${w}`)) : []),
    '',
    `verdict: ${v.allowed ? 'ALLOWED' : 'REFUSED'}`,
    ...v.reasons.map((r) => `  - ${r}`),
  ];
}
