import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect } from 'vitest';
import type { StackStatus } from '../../devstack/stack.js';
import type { Simulator } from '../../simulator/server.js';
import { createNamespace, kubeFor, uniqueName } from './kube.js';
import { nodeChanges, snapshotNodes, type NodeState } from './node-checks.js';
import { claimNodes, type ClaimedNodes } from './node-claims.js';
import { startTestSimulator } from './simulator.js';
import { startWorker, type TestWorker } from './workers.js';
import { deleteNamespaceAndWait } from './workload.js';

// What a file of whole drills on the real stack sets up the same way each time: a namespace,
// two claimed zone-b/c nodes, a simulator and a worker; and, at the end, the promise checked
// that no node is left changed by the file's runs. Call inside a describe, before its tests.

export interface DrillBed {
  readonly kc: k8s.KubeConfig;
  readonly ns: string;
  /** Run ids of this file's drills: their marks must be gone at the end. */
  readonly runs: Set<string>;
  readonly nodes: ClaimedNodes;
  readonly sim: Simulator;
  readonly w: TestWorker;
  /** The node snapshot taken before anything ran. */
  readonly pristine: Map<string, NodeState>;
}

export interface DrillBedOptions {
  /** Namespace and claim prefix. */
  prefix: string;
  /** Starts the worker (default: on the stack as it is); e.g. behind a fault proxy. */
  worker?: (stack: StackStatus) => Promise<TestWorker>;
  /** Runs first at teardown (e.g. lift a fault plan so cleanup reaches the API). */
  beforeTeardown?: () => Promise<void>;
  /** Runs after the worker stopped (e.g. close a proxy). */
  afterWorker?: () => Promise<void>;
  /** Which lines of nodeChanges count (default: all): files beside others judge only their nodes. */
  judge?: (line: string, bed: DrillBed) => boolean;
}

export function useDrillBed(stack: StackStatus, opts: DrillBedOptions): DrillBed {
  const kc = kubeFor(stack);
  const ns = uniqueName(opts.prefix);
  const runs = new Set<string>();
  const state: { nodes?: ClaimedNodes; sim?: Simulator; w?: TestWorker; pristine?: Map<string, NodeState> } = {};
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not set up yet (use it inside a test)`);
    return v;
  };
  const bed: DrillBed = {
    kc, ns, runs,
    get nodes() { return need(state.nodes, 'nodes'); },
    get sim() { return need(state.sim, 'the simulator'); },
    get w() { return need(state.w, 'the worker'); },
    get pristine() { return need(state.pristine, 'the node snapshot'); },
  };

  beforeAll(async () => {
    state.pristine = await snapshotNodes(kc);
    await createNamespace(kc, ns);
    state.nodes = await claimNodes(kc, { id: ns, count: 2, zones: ['zone-b', 'zone-c'] });
    state.sim = await startTestSimulator(kc, ns);
    state.w = await (opts.worker ?? ((s) => startWorker(s)))(stack);
  });

  afterAll(async () => {
    await opts.beforeTeardown?.();
    await state.w?.stop();
    await opts.afterWorker?.();
    await state.sim?.close();
    await state.nodes?.release();
    await deleteNamespaceAndWait(kc, ns);
    // Whatever happened above, the nodes are as they were before this file.
    if (state.pristine) {
      const lines = await nodeChanges(kc, state.pristine, { mine: runs });
      expect(opts.judge ? lines.filter((l) => opts.judge?.(l, bed)) : lines).toEqual([]);
    }
  });

  return bed;
}
