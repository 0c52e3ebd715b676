// The store inside one cluster: a primary on one pod of the StatefulSet and a replica that
// copies writes older than the lag. A dead primary is replaced by the first ready pod, and what
// the replica had not received yet is gone (the zone-loss drill's RPO).

export interface ZoneStore {
  /** Pod name currently acting as primary. */
  primary?: string;
  data: Array<{ seq: number; at: number; written: number }>;
  replica: Array<{ seq: number; at: number; written: number }>;
  failovers: Array<{ at: string; from?: string; to: string; lost: number }>;
}

export function newZoneStore(): ZoneStore {
  return { data: [], replica: [], failovers: [] };
}

/** Replication and failover at time t, given the store's ready pods. */
export function tickZoneStore(store: ZoneStore, pods: Set<string>, t: number, lagMs: number): void {
  store.replica = store.data.filter((d) => d.written <= t - lagMs);
  if (store.primary && pods.has(store.primary)) return;
  const next = [...pods].sort()[0];
  if (!next) return;
  if (store.primary) {
    // Promote the replica: what it had not received yet is gone.
    const lost = store.data.length - store.replica.length;
    store.data = [...store.replica];
    store.failovers.push({ at: new Date(t).toISOString(), from: store.primary, to: next, lost });
  }
  store.primary = next;
}
