// Ports of the local stack. The defaults are Temporal's usual ones and a block for Kubernetes
// away from the well-known ports (so a packaged etcd on 2379 never collides). With
// FIREDRILL_DEV_PORT_BASE=N every port moves into N..N+7, for a second stack beside the first.
export interface StackPorts {
  temporal: number;
  temporalUi: number;
  temporalHttp: number;
  temporalMetrics: number;
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  kwok: number;
  simulator: number;
}

export function stackPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const raw = env.FIREDRILL_DEV_PORT_BASE;
  if (raw) {
    const base = Number(raw);
    if (!Number.isInteger(base) || base < 1024 || base > 65_000) {
      throw new Error(`FIREDRILL_DEV_PORT_BASE must be an integer between 1024 and 65000, got "${raw}"`);
    }
    return {
      temporal: base, temporalUi: base + 1, temporalHttp: base + 2, temporalMetrics: base + 3,
      etcd: base + 4, etcdPeer: base + 5, apiserver: base + 6, kwok: base + 7, simulator: base + 8,
    };
  }
  return {
    temporal: 7233, temporalUi: 8233, temporalHttp: 7243, temporalMetrics: 7244,
    etcd: 12379, etcdPeer: 12380, apiserver: 16443, kwok: 16081, simulator: 18080,
  };
}
