// Ports of the local stack. The defaults are Temporal's usual ones and a block for Kubernetes
// away from the well-known ports (so a packaged etcd on 2379 never collides). With
// FIREDRILL_DEV_PORT_BASE=N every port moves into N..N+11, for a second stack beside the first.
// base+9 and base+10 are taken only by a second site (`dev up --sites 2`).
export interface StackPorts {
  /** base+0 (default 7233): Temporal frontend (gRPC), TEMPORAL_ADDRESS. */
  temporal: number;
  /** base+1 (default 8233): Temporal web UI. */
  temporalUi: number;
  /** base+2 (default 7243): Temporal HTTP API. */
  temporalHttp: number;
  /** base+3 (default 7244): Temporal metrics. */
  temporalMetrics: number;
  /** base+4 (default 12379): etcd client. */
  etcd: number;
  /** base+5 (default 12380): etcd peer. */
  etcdPeer: number;
  /** base+6 (default 16443): kube-apiserver (HTTPS). */
  apiserver: number;
  /** base+7 (default 16081): kwok (the simulated kubelets). */
  kwok: number;
  /** base+8 (default 18080): the service simulator the demo's probes talk to. */
  simulator: number;
  /** base+9 (default 16444): site-b's kube-apiserver (HTTPS), with `--sites 2` only. */
  siteBApiserver: number;
  /** base+10 (default 16082): site-b's kwok, with `--sites 2` only. */
  siteBKwok: number;
  /** base+11 (default 8740): the control tower (`firedrill tower`) that `dev up` starts. */
  tower: number;
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
      siteBApiserver: base + 9, siteBKwok: base + 10, tower: base + 11,
    };
  }
  return {
    temporal: 7233, temporalUi: 8233, temporalHttp: 7243, temporalMetrics: 7244,
    etcd: 12379, etcdPeer: 12380, apiserver: 16443, kwok: 16081, simulator: 18080,
    siteBApiserver: 16444, siteBKwok: 16082, tower: 8740,
  };
}

/**
 * The stack's service addresses as drill files name them (`${FIREDRILL_SIMULATOR_URL}`), for
 * the variables the environment leaves unset. Empty when FIREDRILL_DEV_PORT_BASE is invalid:
 * then no port block is known, and a drill naming the simulator says the variable is unset.
 */
export function stackServiceEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  let ports: StackPorts;
  try {
    ports = stackPorts(env);
  } catch {
    return {};
  }
  return env.FIREDRILL_SIMULATOR_URL ? {} : { FIREDRILL_SIMULATOR_URL: `http://127.0.0.1:${ports.simulator}` };
}
