import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheRoot } from '../../devstack/paths.js';

// A bad environment must get one clear message (exit 2), never a stack trace, and must not
// leave half a stack running.

const bin = fileURLToPath(new URL('../../bin/firedrill.js', import.meta.url));

function firedrill(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmpDirs: string[] = [];
async function tmp(prefix: string): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of tmpDirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

// By listening, not by connecting (portOpen): a port an outgoing connection holds refuses a
// connection, yet cannot be bound.
const portFree = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
});

/**
 * A port base whose 12 ports are free now, below Linux's ephemeral range (32768 and up, where
 * outgoing connections take ports at any moment: a random base there once found its port taken).
 */
async function freeBase(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 29_000 + Math.floor(Math.random() * 300) * 12;
    if ((await Promise.all(Array.from({ length: 12 }, (_, k) => portFree(base + k)))).every(Boolean)) return base;
  }
  throw new Error('no free block of 12 ports between 29000 and 32600');
}

describe('firedrill dev up in a bad environment', () => {
  it('names the busy port and starts nothing', async () => {
    const base = await freeBase();
    const blocker = net.createServer();
    await new Promise<void>((resolve, reject) => { blocker.once('error', reject).listen(base + 6, '127.0.0.1', resolve); });
    const state = await tmp('firedrill-state-');
    try {
      const res = await firedrill(['dev', 'up'], {
        ...process.env, FIREDRILL_DEV_PORT_BASE: String(base), FIREDRILL_STATE_DIR: state, FIREDRILL_CACHE_DIR: cacheRoot(),
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`port ${base + 6} (kube-apiserver) is already in use`);
      expect(res.stderr).not.toMatch(/^\s+at /m);
      const pids = await fs.readdir(path.join(state, 'pids')).catch(() => []);
      expect(pids).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('says Go is missing when a tool is not cached and cannot be built', async () => {
    const cache = await tmp('firedrill-cache-');
    const state = await tmp('firedrill-state-');
    const res = await firedrill(['dev', 'up'], {
      HOME: process.env.HOME, PATH: path.dirname(process.execPath),
      FIREDRILL_CACHE_DIR: cache, FIREDRILL_STATE_DIR: state, FIREDRILL_DEV_PORT_BASE: String(await freeBase()),
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/is not in the cache and Go is not installed|Go is not there to build it/);
    expect(res.stderr).toMatch(/hint: install Go/);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });
});
