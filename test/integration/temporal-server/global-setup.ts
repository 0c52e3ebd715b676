import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { cacheRoot } from '../../../devstack/paths.js';
import { stackPorts } from '../../../devstack/ports.js';
import { stackDown, stackUp, type StackStatus } from '../../../devstack/stack.js';
import { temporalServerDown, temporalServerUp } from '../../../devstack/temporal-server.js';
import { TEMPORAL_SERVER_VERSION } from '../../../devstack/versions.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The default stack: its Kubernetes, and its dev server, which these tests do not use. */
    stack: StackStatus;
    /** The same stack's Kubernetes with the real Temporal server (PostgreSQL, mTLS) as its Temporal. */
    serverStack: StackStatus;
    /** The real server's state directory and port base, for the tests that restart it. */
    serverState: { stateDir: string; portBase: string };
  }
}

// The real Temporal server for the tests that run on it: its own state directory and port block
// (48000 unless FIREDRILL_SERVER_TEST_PORT_BASE says otherwise), so the default stack's dev
// server is never disturbed; Kubernetes is the default stack's. Whatever this setup started,
// it stops again at the end; the database stays, so the next run skips the migrations.
const portBase = process.env.FIREDRILL_SERVER_TEST_PORT_BASE ?? '48000';
const stateDir = path.join(cacheRoot(), `state-temporal-server-tests-${portBase}`);
let startedServer: string[] = [];
let startedStack: string[] = [];

export async function setup(project: TestProject): Promise<void> {
  const progress = (m: string) => process.stderr.write(`[temporal-server] ${m}\n`);
  const t0 = Date.now();
  const ports = stackPorts({ FIREDRILL_DEV_PORT_BASE: portBase });
  const [stack, server] = await Promise.all([
    stackUp({ nodesPerZone: 4, progress: (m) => process.stderr.write(`[stack] ${m}\n`) }),
    temporalServerUp(stateDir, ports, progress),
  ]);
  startedStack = stack.started;
  startedServer = server.started;
  progress(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; started: ${[...startedServer, ...startedStack].join(', ') || 'nothing (reused)'}`);
  project.provide('stack', stack.status);
  project.provide('serverStack', {
    ...stack.status,
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    temporalUiUrl: '',
    temporal: { kind: 'server', version: TEMPORAL_SERVER_VERSION, tls: server.security },
  });
  project.provide('serverState', { stateDir, portBase });
}

export async function teardown(): Promise<void> {
  if (process.env.FIREDRILL_KEEP_STACK) return;
  if (startedServer.length) await temporalServerDown(stateDir, startedServer);
  if (startedStack.length) await stackDown(undefined, startedStack);
}
