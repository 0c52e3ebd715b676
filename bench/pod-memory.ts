import v8 from 'node:v8';
import vm from 'node:vm';
import * as k8s from '@kubernetes/client-node';
import { podRef } from '../activities/faults/pod-refs.js';

// What a drain's pod list costs in heap: N copies of a real pod as the client returned it (what
// the drain held before) against N of the references it keeps now. Heap used after a full GC,
// in the bench process; the count is fixed (3,000, the full size's zone) whatever the bench size.

export interface PodMemoryResult {
  pods: number;
  fullObjectBytesPerPod: number;
  refBytesPerPod: number;
  fullObjectsMb: number;
  refsMb: number;
}

function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return () => { gc(); gc(); };
}

function heapAfter(gc: () => void): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export async function benchPodMemory(kc: k8s.KubeConfig, namespace: string, count = 3000): Promise<PodMemoryResult> {
  const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, limit: 50 });
  const sample = list.items.find((p) => !p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')) ?? list.items[0];
  if (!sample) throw new Error(`pod memory: no pod in ${namespace}`);
  const gc = collector();
  const copy = (i: number): k8s.V1Pod => {
    const p = structuredClone(sample);
    p.metadata = { ...p.metadata, name: `${p.metadata?.name}-${i}`, uid: `${p.metadata?.uid}-${i}` };
    return p;
  };
  const base = heapAfter(gc);
  let full: k8s.V1Pod[] | undefined = Array.from({ length: count }, (_, i) => copy(i));
  const withFull = heapAfter(gc);
  full = undefined;
  const base2 = heapAfter(gc);
  const refs = Array.from({ length: count }, (_, i) => podRef(copy(i)));
  const withRefs = heapAfter(gc);
  const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
  const out = {
    pods: count,
    fullObjectBytesPerPod: Math.round((withFull - base) / count),
    refBytesPerPod: Math.round((withRefs - base2) / count),
    fullObjectsMb: mb(withFull - base),
    refsMb: mb(withRefs - base2),
  };
  // Kept alive until measured.
  if (refs.length !== count || full !== undefined) throw new Error('unreachable');
  return out;
}
