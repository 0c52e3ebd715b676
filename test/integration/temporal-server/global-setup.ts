import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { cacheRoot } from '../../../devstack/paths.js';
import { stackPorts } from '../../../devstack/ports.js';
import { stackDown, stackUp, type StackStatus } from '../../../devstack/stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A stack of its own whose Temporal is the real server (PostgreSQL, mTLS). */
    serverStack: StackStatus;
    /** That stack's state directory and port base, for the tests that restart the server. */
    serverState: { stateDir: string; portBase: string };
  }
}

// `dev up --temporal server` as the tests' stack: its own state directory and port block (28000
// unless FIREDRILL_SERVER_TEST_PORT_BASE says otherwise), so the default stack and its dev server
// are never disturbed, and no other test run claims this stack's nodes. The block stays below
// 32768, outside Linux's ephemeral ports, so no outgoing connection can hold one of its ports
// when a component binds it. Whatever this setup started, it stops again at the end; the
// database stays, so the next run skips the migrations.
const portBase = process.env.FIREDRILL_SERVER_TEST_PORT_BASE ?? '28000';
const stateDir = path.join(cacheRoot(), `state-temporal-server-tests-${portBase}`);
let started: string[] = [];

export async function setup(project: TestProject): Promise<void> {
  const progress = (m: string) => process.stderr.write(`[temporal-server] ${m}\n`);
  const ports = stackPorts({ FIREDRILL_DEV_PORT_BASE: portBase });
  // No tower: the tests do not use it.
  const res = await stackUp({ nodesPerZone: 4, temporal: 'server', tower: false, progress }, stateDir, ports);
  started = res.started;
  progress(`ready in ${res.seconds.toFixed(1)} s; started: ${started.join(', ') || 'nothing (reused)'}`);
  project.provide('serverStack', res.status);
  project.provide('serverState', { stateDir, portBase });
}

export async function teardown(): Promise<void> {
  if (started.length && !process.env.FIREDRILL_KEEP_STACK) await stackDown(stateDir, started);
}
