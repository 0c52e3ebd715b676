import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { KWOK_ANNOTATION } from './kube.js';

// Simulated nodes: kwok plays their kubelets. They carry the well-known topology labels and a
// realistic allocatable size, so the real scheduler packs and spreads pods as it would on
// cloud instances (4 vCPU / 16 GiB, 110 pods).

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const DEV_NODE_LABEL = 'firedrill.dev/dev-node';
export const DEV_ZONES = ['zone-a', 'zone-b', 'zone-c'] as const;
export const DEV_REGION = 'dev-region-1';

/** Which zones (and region) a cluster's simulated nodes are spread over: site-a's by default. */
export interface NodeLayout {
  zones: readonly string[];
  region: string;
}

export const DEV_LAYOUT: NodeLayout = { zones: DEV_ZONES, region: DEV_REGION };

export interface NodeShape {
  cpu: string;
  memory: string;
  pods: string;
}

export const DEFAULT_NODE_SHAPE: NodeShape = { cpu: '4', memory: '16Gi', pods: '110' };

export function nodeName(zone: string, index: number): string {
  return `kwok-${zone}-${String(index).padStart(3, '0')}`;
}

function nodeManifest(zone: string, index: number, ordinal: number, shape: NodeShape, region: string): k8s.V1Node {
  const name = nodeName(zone, index);
  const resources = { cpu: shape.cpu, memory: shape.memory, pods: shape.pods };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        [DEV_NODE_LABEL]: 'true',
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'sim.xlarge',
        [ZONE_LABEL]: zone,
        [REGION_LABEL]: region,
      },
    },
    // One /24 per node so pod IPs stay unique however many nodes there are.
    spec: { podCIDR: `10.${64 + Math.floor(ordinal / 256)}.${ordinal % 256}.0/24` },
    status: { allocatable: resources, capacity: resources },
  };
}

/**
 * Makes the set of simulated nodes exactly perZone per zone: creates missing ones and deletes
 * surplus dev nodes (highest index first). Only nodes labelled as dev nodes are ever deleted.
 */
export async function reconcileNodes(
  kc: k8s.KubeConfig, perZone: number, shape = DEFAULT_NODE_SHAPE, layout: NodeLayout = DEV_LAYOUT,
): Promise<{ created: number; deleted: number }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const existing = await core.listNode({ labelSelector: `${DEV_NODE_LABEL}=true` });
  const have = new Set(existing.items.map((n) => n.metadata?.name ?? ''));
  const want = new Set<string>();
  const limit = pLimit(20);
  const creates: Array<Promise<unknown>> = [];
  layout.zones.forEach((zone, z) => {
    for (let i = 0; i < perZone; i++) {
      const name = nodeName(zone, i);
      want.add(name);
      if (!have.has(name)) {
        creates.push(limit(() => core.createNode({ body: nodeManifest(zone, i, z * 1000 + i, shape, layout.region) }).catch((err: unknown) => {
          if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
        })));
      }
    }
  });
  const deletes = [...have].filter((n) => n && !want.has(n)).map((name) => limit(() => core.deleteNode({ name })));
  await Promise.all([...creates, ...deletes]);
  return { created: creates.length, deleted: deletes.length };
}

export interface NodeCounts {
  [zone: string]: { total: number; ready: number };
}

export async function countNodes(kc: k8s.KubeConfig): Promise<NodeCounts> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNode({ labelSelector: `${DEV_NODE_LABEL}=true` });
  const out: NodeCounts = {};
  for (const n of list.items) {
    const zone = n.metadata?.labels?.[ZONE_LABEL] ?? 'unknown';
    const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    const entry = (out[zone] ??= { total: 0, ready: 0 });
    entry.total++;
    if (ready) entry.ready++;
  }
  return out;
}
