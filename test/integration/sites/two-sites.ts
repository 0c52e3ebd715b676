import path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { cacheRoot } from '../../../devstack/paths.js';
import { stackPorts } from '../../../devstack/ports.js';
import { applySiteWorkloads, siteClients, startSiteSimulator } from '../../../devstack/site-demo.js';
import { stackDown, stackUp, type StackStatus } from '../../../devstack/stack.js';
import type { Simulator } from '../../../simulator/server.js';
import { freePort, SIMULATOR_POLL_MS } from '../../support/simulator.js';

// The two-site stack of these tests: its own port block and state directory, never the default
// stack, because a whole-site drill takes every node of site-a and would break other tests.

// Below 32768: a block in Linux's ephemeral range (32768-60999) can find a port held by an outgoing connection.
export const SITES_PORT_BASE = process.env.FIREDRILL_SITES_PORT_BASE ?? '27000';
// One state directory per port block: a stack's state names its ports.
export const SITES_STATE_DIR = process.env.FIREDRILL_SITES_STATE_DIR ?? path.join(cacheRoot(), `state-sites-${SITES_PORT_BASE}`);

export interface TwoSites {
  stack: StackStatus;
  sites: { a: k8s.KubeConfig; b: k8s.KubeConfig };
  sim: Simulator;
  /** Stops the simulator and whatever part of the stack this call started. */
  close(): Promise<void>;
}

export async function startTwoSites(): Promise<TwoSites> {
  const progress = (m: string) => process.stderr.write(`[sites] ${m}\n`);
  const ports = stackPorts({ FIREDRILL_DEV_PORT_BASE: SITES_PORT_BASE });
  // Two nodes per zone: ten kwok nodes in all on a busy machine.
  const up = await stackUp({ nodesPerZone: 2, sites: 2, progress }, SITES_STATE_DIR, ports);
  progress(`ready in ${up.seconds.toFixed(1)} s${up.siteBSeconds !== undefined ? ` (site-b ${up.siteBSeconds.toFixed(1)} s)` : ''}; started: ${up.started.join(', ') || 'nothing (reused)'}`);
  const sites = siteClients(up.status.kubeconfig);
  await applySiteWorkloads(sites, progress);
  const sim = await startSiteSimulator(sites, await freePort(), { pollMs: SIMULATOR_POLL_MS });
  return {
    stack: up.status,
    sites,
    sim,
    async close() {
      await sim.close();
      if (up.started.length && !process.env.FIREDRILL_KEEP_STACK) await stackDown(SITES_STATE_DIR, up.started);
    },
  };
}

export interface FrontTruth {
  failoverMs: number;
  options: { intervalMs: number; failureThreshold: number; ttlMs: number };
  switches: Array<{ at: string; decidedAt: string; from: string; to: string; reason: string }>;
  sites: Record<string, Array<{ at: string; up: boolean }>>;
}

export interface StoreTruth {
  lagMs: number;
  primary: string;
  promotions: Array<{ at: string; from: string; to: string; kind: string; lost: number; lostSeqs: number[]; lostFrom: string | null; lostTo: string | null }>;
}

export async function truth<T>(sim: Simulator, route: string): Promise<T> {
  const res = await fetch(`${sim.url}${route}`);
  if (!res.ok) throw new Error(`${route} answered HTTP ${res.status}`);
  return (await res.json()) as T;
}
