import { TAINT_KEY } from '../faults/marks.js';
import type { Toleration } from './model.js';
import type { PodRef } from './types.js';

// A power-loss drill taints its nodes NoExecute, and the taint manager kills every pod that does
// not tolerate the taint, whatever its namespace: protectedNamespaces only keeps a drain's
// evictions away. The plan and the report say so instead of listing such pods as "not evicted".

/** Whether a pod tolerates the power-loss taint (its value is the run id, so only Exists matches it). */
export function toleratesPowerLoss(tolerations: readonly Toleration[]): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== 'NoExecute') return false;
    if (!t.key) return t.operator === 'Exists';
    return t.key === TAINT_KEY && t.operator === 'Exists';
  });
}

/** One sentence naming how many protected pods die, by namespace. */
export function powerLossWarning(killed: readonly PodRef[]): string {
  const byNs = new Map<string, number>();
  for (const p of killed) byNs.set(p.namespace, (byNs.get(p.namespace) ?? 0) + 1);
  const counts = [...byNs].sort(([a], [b]) => a.localeCompare(b)).map(([ns, n]) => `${ns} ${n}`).join(', ');
  return `power-loss taints NoExecute, which protectedNamespaces do not stop: ${killed.length} pod(s) in protected namespaces (${counts}) have no toleration for it and are killed`;
}
