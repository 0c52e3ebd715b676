import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { startSimulator, type Simulator } from '../../simulator/server.js';

// The service simulator, one per test file, and its ground truth.

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export const SIMULATOR_POLL_MS = 200;

/** The service simulator on a free port, watching the test's namespace only. */
export async function startTestSimulator(kc: k8s.KubeConfig, namespace: string): Promise<Simulator> {
  return startSimulator({ kc, port: await freePort(), namespaces: [namespace], pollMs: SIMULATOR_POLL_MS });
}

export interface Transition { at: string; up: boolean }

/** The simulator's ground truth for a service: every up/down change it saw, with its time. */
export async function truthOf(sim: Simulator, namespace: string, service: string): Promise<Transition[]> {
  const res = await fetch(`${sim.url}/truth/${namespace}/${service}`);
  if (!res.ok) throw new Error(`truth endpoint answered HTTP ${res.status}`);
  return ((await res.json()) as { transitions: Transition[] }).transitions;
}
