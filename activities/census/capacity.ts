import type { NodeInfo, NodeSelectorTerm, PodInfo, Resources } from './model.js';
import { formatBytes, formatCpu } from './quantity.js';
import { matchesNodeTerms, toleratesNode } from './selectors.js';
import type { CapacityCensus, PendingPod } from './types.js';

// Will the pods that leave the target fit on what is left? A first-fit-decreasing estimate over
// the requests of each pod against the room left on schedulable nodes outside the target. It
// honours nodeSelector, required node affinity, taints and volume node affinity, so a pod pinned
// to the target always stays Pending; it ignores pod (anti-)affinity and topology spread.

export const METHOD =
  'first-fit decreasing on CPU/memory requests; honours nodeSelector, required node affinity, taints and volume affinity; ignores pod (anti-)affinity and topology spread';

export interface CapacityInput {
  nodes: NodeInfo[];
  pods: PodInfo[];
  inTarget: Set<string>;
  /** The pods a drain evicts and their controllers recreate elsewhere. */
  movers: PodInfo[];
  ownerOf: (p: PodInfo) => string;
  /** Node affinity a pod inherits from the volumes it mounts, by `namespace/pod`. */
  volumeConstraints: Map<string, Array<{ volume: string; terms: NodeSelectorTerm[] }>>;
  zoneLabel: string;
}

const zero = (): Resources => ({ cpuMilli: 0, memoryBytes: 0, pods: 0 });

function add(a: Resources, cpu: number, mem: number, pods: number): void {
  a.cpuMilli += cpu;
  a.memoryBytes += mem;
  a.pods += pods;
}

const holdsResources = (p: PodInfo): boolean => p.phase !== 'Succeeded' && p.phase !== 'Failed';

/** Why no node outside the target could ever take the pod, or undefined when some node could. */
function pinnedReason(p: PodInfo, nodes: NodeInfo[], input: CapacityInput): string | undefined {
  if (nodes.length === 0) return 'no schedulable node outside the target';
  const selector = Object.entries(p.nodeSelector);
  let left = nodes.filter((n) => selector.every(([k, v]) => n.labels[k] === v));
  if (left.length === 0) {
    const zone = p.nodeSelector[input.zoneLabel];
    return zone !== undefined
      ? `pinned to ${input.zoneLabel}=${zone} by its nodeSelector`
      : `nodeSelector ${selector.map(([k, v]) => `${k}=${v}`).join(',')} matches no schedulable node outside the target`;
  }
  const affinity = p.requiredNodeAffinity;
  if (affinity) {
    left = left.filter((n) => matchesNodeTerms(n, affinity));
    if (left.length === 0) return 'its required node affinity matches no schedulable node outside the target';
  }
  for (const v of input.volumeConstraints.get(`${p.namespace}/${p.name}`) ?? []) {
    left = left.filter((n) => matchesNodeTerms(n, v.terms));
    if (left.length === 0) return `its volume ${v.volume} can only attach inside the target`;
  }
  left = left.filter((n) => toleratesNode(p.tolerations, n));
  if (left.length === 0) return 'it tolerates the taints of no schedulable node outside the target';
  return undefined;
}

function eligible(p: PodInfo, n: NodeInfo, input: CapacityInput): boolean {
  return Object.entries(p.nodeSelector).every(([k, v]) => n.labels[k] === v)
    && (!p.requiredNodeAffinity || matchesNodeTerms(n, p.requiredNodeAffinity))
    && (input.volumeConstraints.get(`${p.namespace}/${p.name}`) ?? []).every((v) => matchesNodeTerms(n, v.terms))
    && toleratesNode(p.tolerations, n);
}

/** Where a pod may go: why nowhere, or the nodes it may use in first-fit order. */
interface Placement {
  pinned?: string;
  room: Resources[];
}

/**
 * Everything that decides where a pod may go. Pods of one controller share it, so placement is
 * judged once per distinct value rather than per pod and node (3,000 pods × 200 nodes otherwise).
 */
function placementKey(p: PodInfo, input: CapacityInput): string {
  return JSON.stringify([p.nodeSelector, p.requiredNodeAffinity ?? null, p.tolerations, input.volumeConstraints.get(`${p.namespace}/${p.name}`) ?? []]);
}

export function capacityCensus(input: CapacityInput): CapacityCensus {
  const outside = input.nodes
    .filter((n) => !input.inTarget.has(n.name) && !n.unschedulable && n.ready)
    .sort((a, b) => a.name.localeCompare(b.name));
  const requestedOn = new Map<string, Resources>(outside.map((n) => [n.name, zero()]));
  for (const p of input.pods) {
    const r = p.nodeName !== undefined ? requestedOn.get(p.nodeName) : undefined;
    if (r && holdsResources(p)) add(r, p.requests.cpuMilli, p.requests.memoryBytes, 1);
  }

  const allocatable = zero();
  const requested = zero();
  const free = new Map<string, Resources>();
  for (const n of outside) {
    const used = requestedOn.get(n.name) ?? zero();
    add(allocatable, n.allocatable.cpuMilli, n.allocatable.memoryBytes, n.allocatable.pods);
    add(requested, used.cpuMilli, used.memoryBytes, used.pods);
    free.set(n.name, {
      cpuMilli: Math.max(0, n.allocatable.cpuMilli - used.cpuMilli),
      memoryBytes: Math.max(0, n.allocatable.memoryBytes - used.memoryBytes),
      pods: Math.max(0, n.allocatable.pods - used.pods),
    });
  }
  const freeTotal = zero();
  for (const f of free.values()) add(freeTotal, f.cpuMilli, f.memoryBytes, f.pods);

  const mustMove = zero();
  for (const p of input.movers) add(mustMove, p.requests.cpuMilli, p.requests.memoryBytes, 1);

  // Largest first: big pods are the ones that fail to find room, small ones fill the gaps.
  const order = [...input.movers].sort(
    (a, b) => b.requests.cpuMilli - a.requests.cpuMilli || b.requests.memoryBytes - a.requests.memoryBytes
      || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  const placements = new Map<string, Placement>();
  const placementOf = (p: PodInfo): Placement => {
    const key = placementKey(p, input);
    let found = placements.get(key);
    if (!found) {
      const pinned = pinnedReason(p, outside, input);
      found = pinned ? { pinned, room: [] } : { room: outside.filter((n) => eligible(p, n, input)).map((n) => free.get(n.name) as Resources) };
      placements.set(key, found);
    }
    return found;
  };
  const pending: PendingPod[] = [];
  for (const p of order) {
    const base = { namespace: p.namespace, pod: p.name, owner: input.ownerOf(p) };
    const placement = placementOf(p);
    if (placement.pinned) {
      pending.push({ ...base, cause: 'pinned', reason: placement.pinned });
      continue;
    }
    const room = placement.room.find((f) => f.cpuMilli >= p.requests.cpuMilli && f.memoryBytes >= p.requests.memoryBytes && f.pods >= 1);
    if (room) {
      add(room, -p.requests.cpuMilli, -p.requests.memoryBytes, -1);
      continue;
    }
    pending.push({
      ...base,
      cause: 'capacity',
      reason: `needs ${formatCpu(p.requests.cpuMilli)} CPU and ${formatBytes(p.requests.memoryBytes)} memory: no eligible node outside the target has that much free`,
    });
  }
  pending.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));

  return {
    mustMove,
    outside: { nodes: outside.length, allocatable, requested, free: freeTotal },
    pending,
    pinned: pending.filter((p) => p.cause === 'pinned').length,
    fits: pending.length === 0,
    method: METHOD,
  };
}
