import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../../devstack/chromium.js';
import { stackDown, stackUp, type StackStatus } from '../../devstack/stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackStatus;
  }
}

// Integration tests run against the real local stack. A stack that is already running is reused
// and left running; whatever this setup started, it stops again at the end.
let started: string[] = [];

export async function setup(project: TestProject): Promise<void> {
  const progress = (m: string) => process.stderr.write(`[stack] ${m}\n`);
  const [res, chromium] = await Promise.all([stackUp({ nodesPerZone: 4, progress }), ensureChromium(progress)]);
  if (!chromium.ok) progress(chromium.message ?? 'no Chromium');
  started = res.started;
  process.stderr.write(`[stack] ready in ${res.seconds.toFixed(1)} s; started: ${started.join(', ') || 'nothing (reused)'}\n`);
  project.provide('stack', res.status);
}

export async function teardown(): Promise<void> {
  if (started.length && !process.env.FIREDRILL_KEEP_STACK) await stackDown(undefined, started);
}
