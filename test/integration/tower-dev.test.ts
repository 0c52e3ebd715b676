import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { portOpen, runningPid, stopProcess } from '../../devstack/procs.js';
import { startStackTower, TOWER_PROCESS } from '../../tower/dev-process.js';
import { freePort } from '../support/drill.js';

// The tower as a process of the embedded stack: started with a pid file like the stack's other
// processes, serving against the stack's Temporal, stopped by that pid file; a busy port is
// reported and leaves the stack alone.

const stack = inject('stack');

describe('the tower as a stack process', () => {
  let stateDir = '';
  afterAll(async () => {
    if (stateDir) {
      await stopProcess(stateDir, TOWER_PROCESS);
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('starts by pid file, serves Now, and stops by pid file', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'firedrill-tower-state-'));
    const port = await freePort();
    const said: string[] = [];
    const opts = { port, temporalAddress: stack.temporalAddress, temporalUiUrl: stack.temporalUiUrl, progress: (m: string) => said.push(m) };
    await startStackTower(stateDir, opts);
    expect(said).toEqual([`starting the control tower on http://127.0.0.1:${port}`]);
    expect(await runningPid(stateDir, TOWER_PROCESS)).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h1>Now</h1>');
    // A second start finds it running and does nothing.
    await startStackTower(stateDir, opts);
    expect(said).toHaveLength(1);
    expect(await stopProcess(stateDir, TOWER_PROCESS)).toBe(true);
    expect(await portOpen(port)).toBe(false);
  }, 120_000);

  it('says so and starts nothing when the port is taken', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-tower-state-'));
    try {
      const said: string[] = [];
      const busy = Number(stack.temporalAddress.split(':').at(-1));
      await startStackTower(dir, { port: busy, temporalAddress: stack.temporalAddress, temporalUiUrl: stack.temporalUiUrl, progress: (m) => said.push(m) });
      expect(said.join('\n')).toMatch(new RegExp(`control tower not started: port ${busy} is in use`));
      expect(await runningPid(dir, TOWER_PROCESS)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
