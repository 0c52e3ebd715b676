import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { StackError } from './errors.js';

// Every process the stack starts gets a pid file recording its pid and executable, so `down`
// stops exactly what `up` started and never a recycled pid that now belongs to someone else.

interface PidRecord {
  pid: number;
  exe: string;
  startedAt: string;
}

function pidFile(stateDir: string, name: string): string {
  return path.join(stateDir, 'pids', `${name}.json`);
}

async function readPid(stateDir: string, name: string): Promise<PidRecord | undefined> {
  try {
    return JSON.parse(await fsp.readFile(pidFile(stateDir, name), 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** True when pid is alive and still runs the executable we started. */
function isOurs(rec: PidRecord): boolean {
  try {
    process.kill(rec.pid, 0);
  } catch {
    return false;
  }
  try {
    const exe = fs.readlinkSync(`/proc/${rec.pid}/exe`);
    return exe === rec.exe || exe.startsWith(rec.exe);
  } catch {
    // No /proc (macOS): fall back to the signal check alone.
    return true;
  }
}

export async function runningPid(stateDir: string, name: string): Promise<number | undefined> {
  const rec = await readPid(stateDir, name);
  return rec && isOurs(rec) ? rec.pid : undefined;
}

/**
 * Starts a long-running process detached from this one, output appended to its log file.
 * `launcher` (e.g. setpriv switching to another user) runs first and execs exe, so the pid
 * file records exe itself.
 */
export async function startProcess(
  stateDir: string,
  name: string,
  exe: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  launcher: string[] = [],
): Promise<number> {
  const logDir = path.join(stateDir, 'logs');
  await fsp.mkdir(logDir, { recursive: true });
  await fsp.mkdir(path.join(stateDir, 'pids'), { recursive: true });
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  const [cmd = exe, ...pre] = [...launcher, exe];
  const child = spawn(cmd, [...pre, ...args], { detached: true, stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new StackError(`could not start ${name} (${exe})`);
  child.unref();
  const resolved = await fsp.realpath(exe);
  const rec: PidRecord = { pid, exe: resolved, startedAt: new Date().toISOString() };
  await fsp.writeFile(pidFile(stateDir, name), JSON.stringify(rec));
  return pid;
}

export async function stopProcess(stateDir: string, name: string, graceMs = 10_000): Promise<boolean> {
  const rec = await readPid(stateDir, name);
  if (!rec) return false;
  let stopped = false;
  if (isOurs(rec)) {
    process.kill(rec.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && isOurs(rec)) await sleep(100);
    if (isOurs(rec)) process.kill(rec.pid, 'SIGKILL');
    while (isOurs(rec)) await sleep(50);
    stopped = true;
  }
  await fsp.rm(pidFile(stateDir, name), { force: true });
  return stopped;
}

export function logFile(stateDir: string, name: string): string {
  return path.join(stateDir, 'logs', `${name}.log`);
}

/** The last lines of a process log, for error messages. */
export async function logTail(stateDir: string, name: string, lines = 15): Promise<string> {
  const text = await fsp.readFile(logFile(stateDir, name), 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when something listens on the port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    sock.setTimeout(1000);
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => { sock.destroy(); resolve(false); });
  });
}

/** Fails with the port and its purpose named when another process already holds it. */
export async function assertPortFree(port: number, purpose: string): Promise<void> {
  if (await portOpen(port)) {
    throw new StackError(
      `port ${port} (${purpose}) is already in use by another process`,
      'stop that process, or choose other ports with FIREDRILL_DEV_PORT_BASE',
    );
  }
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  onTimeout: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new StackError(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s:\n${await onTimeout()}`);
}
