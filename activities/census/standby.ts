import type { ClusterSnapshot, PodInfo, Resources, WorkloadInfo } from './model.js';
import { capacityCensus } from './capacity.js';
import { formatBytes, formatCpu } from './quantity.js';
import { DEFAULT_ZONE_LABEL } from './target.js';
import type { StandbySummary } from '../../report/result.js';
import type { Census, CensusSpec, CounterpartCensus, StandbyCensus, WorkloadKey } from './types.js';
import { countPods, emptyCounts, isLive, keyOf, ownership } from './workloads.js';

// The standby cluster of a whole-cluster drill: another site meant to take over. For every
// workload of the drilled cluster it finds the counterpart, says what has none (the tools that
// exist in one site only), and whether the standby has room for the load the drilled site loses.

export const COUNTERPART_RULE =
  'same kind, namespace and name in the standby; else the same kind with the same app.kubernetes.io/name label '
  + '(the workload\'s, else its pod template\'s), preferring the same namespace, then the first by namespace/name; '
  + 'protected namespaces are each cluster\'s own and are not matched';

export const STANDBY_CAPACITY_METHOD =
  'the standby must take the drilled site\'s load on top of its own: the requests of the drilled pods whose workloads have a counterpart, '
  + 'placed first-fit decreasing on the free room (allocatable minus requests) of the standby\'s schedulable ready nodes, '
  + 'honouring taints only (the counterparts\' own placement rules are not known here)';

type Candidate = Pick<WorkloadInfo, 'kind' | 'namespace' | 'name' | 'appName' | 'desired'>;

const byNsName = (a: Candidate, b: Candidate) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/** The rule of COUNTERPART_RULE for one drilled workload; undefined when nothing in the standby stands in for it. */
export function findCounterpart(w: Candidate, standby: readonly Candidate[]): { match: Candidate; by: 'name' | 'label' } | undefined {
  const same = standby.find((s) => s.kind === w.kind && s.namespace === w.namespace && s.name === w.name);
  if (same) return { match: same, by: 'name' };
  if (!w.appName) return undefined;
  const labelled = standby.filter((s) => s.kind === w.kind && s.appName === w.appName).sort(byNsName);
  const match = labelled.find((s) => s.namespace === w.namespace) ?? labelled[0];
  return match ? { match, by: 'label' } : undefined;
}

/** Deployments, StatefulSets, DaemonSets and stand-alone ReplicaSets outside the protected namespaces. */
function topLevel(workloads: WorkloadInfo[], protectedNs: Set<string>): WorkloadInfo[] {
  return workloads.filter((w) => !(w.kind === 'ReplicaSet' && w.owner?.kind === 'Deployment') && !protectedNs.has(w.namespace));
}

const zero = (): Resources => ({ cpuMilli: 0, memoryBytes: 0, pods: 0 });

function addPod(r: Resources, p: PodInfo): void {
  r.cpuMilli += p.requests.cpuMilli;
  r.memoryBytes += p.requests.memoryBytes;
  r.pods += 1;
}

const res = (r: Resources) => `${formatCpu(r.cpuMilli)} CPU, ${formatBytes(r.memoryBytes)} memory, ${r.pods} pods`;

export interface StandbyInput {
  spec: CensusSpec;
  context: string;
  drilled: { snapshot: ClusterSnapshot; census: Census };
  standby: ClusterSnapshot;
}

export function standbyCensus(input: StandbyInput): StandbyCensus {
  const protectedNs = new Set(input.spec.safety.protectedNamespaces);
  const { snapshot: drilled, census } = input.drilled;
  const standby = input.standby;
  const drilledOwn = ownership(drilled.workloads);
  const standbyOwn = ownership(standby.workloads);
  const standbyCounts = countPods(standby.pods, new Set(), (p) => standbyOwn.workloadOf(p));
  const drilledCounts = new Map(census.workloads.map((w) => [keyOf(w), w]));
  const candidates = topLevel(standby.workloads, protectedNs);

  const workloads: CounterpartCensus[] = topLevel(drilled.workloads, protectedNs)
    .map((w): CounterpartCensus => {
      const key: WorkloadKey = { kind: w.kind, namespace: w.namespace, name: w.name };
      const found = findCounterpart(w, candidates);
      const c = found?.match;
      return {
        ...key,
        desired: w.desired,
        ready: drilledCounts.get(keyOf(key))?.ready ?? 0,
        counterpart: c ? {
          kind: c.kind, namespace: c.namespace, name: c.name, desired: c.desired,
          ready: (standbyCounts.get(keyOf(c)) ?? emptyCounts()).ready, matchedBy: (found as { by: 'name' | 'label' }).by,
        } : null,
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  const noCounterpart = workloads.filter((w) => !w.counterpart).map(({ kind, namespace, name }) => ({ kind, namespace, name }));

  // The load that moves: the drilled cluster's live pods in the target, by whether their workload has a counterpart.
  const inTarget = new Set(census.target.nodes.map((n) => n.name));
  const matched = new Set(workloads.filter((w) => w.counterpart).map((w) => keyOf(w)));
  const movers: PodInfo[] = [];
  const withoutCounterpart = zero();
  for (const p of drilled.pods) {
    if (!p.nodeName || !inTarget.has(p.nodeName) || !isLive(p) || protectedNs.has(p.namespace)) continue;
    const owner = drilledOwn.workloadOf(p);
    if (!owner || owner.kind === 'DaemonSet') continue;
    if (matched.has(keyOf(owner))) {
      // Placed by the counterpart's own rules, which are not the drilled pod's: only its size counts.
      movers.push({ ...p, nodeSelector: {}, requiredNodeAffinity: undefined, claims: [] });
    } else addPod(withoutCounterpart, p);
  }
  const fit = capacityCensus({
    nodes: standby.nodes, pods: standby.pods, inTarget: new Set(), movers,
    ownerOf: (p) => {
      const k = drilledOwn.workloadOf(p);
      return k ? `${k.kind}/${k.name}` : '';
    },
    volumeConstraints: new Map(), zoneLabel: DEFAULT_ZONE_LABEL,
  });
  const free = fit.outside.free;
  const mustAbsorb = fit.mustMove;
  const shortfall: Resources = {
    cpuMilli: Math.max(0, mustAbsorb.cpuMilli - free.cpuMilli),
    memoryBytes: Math.max(0, mustAbsorb.memoryBytes - free.memoryBytes),
    pods: Math.max(0, mustAbsorb.pods - free.pods),
  };

  const warnings: string[] = [];
  if (noCounterpart.length) {
    warnings.push(`${noCounterpart.length} workload(s) exist in the drilled cluster only, with no counterpart in ${input.context}: ${noCounterpart.map((w) => `${w.kind} ${w.namespace}/${w.name}`).join(', ')}`);
  }
  for (const w of workloads) {
    if (w.counterpart && w.counterpart.ready === 0) {
      warnings.push(`${w.kind} ${w.namespace}/${w.name}: its counterpart ${w.counterpart.kind} ${w.counterpart.namespace}/${w.counterpart.name} in ${input.context} has no ready replica`);
    }
  }
  if (!fit.fits) {
    warnings.push(`${input.context} lacks room for the drilled site's load: it must take ${res(mustAbsorb)} and has ${res(free)} free; ${fit.pending.length} pod(s) would stay Pending`);
  }
  const zones = [...new Set(standby.nodes.map((n) => n.labels[DEFAULT_ZONE_LABEL] ?? ''))].filter(Boolean).sort();

  return {
    context: input.context,
    server: standby.server,
    zones,
    rule: COUNTERPART_RULE,
    workloads,
    noCounterpart,
    capacity: {
      mustAbsorb, withoutCounterpart, nodes: fit.outside.nodes, allocatable: fit.outside.allocatable,
      requested: fit.outside.requested, free, shortfall, pending: fit.pending, fits: fit.fits, method: STANDBY_CAPACITY_METHOD,
    },
    warnings,
  };
}

/** What a drill result keeps of the standby census (report/result.ts StandbySummary). */
export function standbySummary(s: StandbyCensus): StandbySummary {
  const c = s.capacity;
  const room = `${s.context} must take ${res(c.mustAbsorb)} of the drilled site's load and has ${res(c.free)} free`;
  return {
    context: s.context,
    server: s.server,
    rule: s.rule,
    counterparts: s.workloads.map((w) => ({
      kind: w.kind, namespace: w.namespace, name: w.name,
      counterpart: w.counterpart ? `${w.counterpart.kind} ${w.counterpart.namespace}/${w.counterpart.name}` : null,
    })),
    noCounterpart: s.noCounterpart.map((w) => ({ ...w })),
    capacity: { fits: c.fits, note: c.fits ? `${room}: it fits` : `${room}: short by ${res(c.shortfall)}, ${c.pending.length} pod(s) would stay Pending` },
  };
}
