import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { aptInstall } from './apt.js';
import { StackError } from './errors.js';
import { run } from './exec.js';
import { logTail, runningPid, sleep, startProcess, stopProcess, waitFor } from './procs.js';
import type { Progress } from './provision.js';

// PostgreSQL for the real Temporal server: Debian's server binaries running a cluster of the
// stack's own under the state directory, on a port of the stack's block, reached over TCP only.
// The packaged service (port 5432, /var/run/postgresql) is never used or touched.

export const POSTGRES = 'postgres';
/** The cluster's superuser, which the Temporal server and temporal-sql-tool log in as. */
export const POSTGRES_USER = 'temporal';

export interface PostgresLogin {
  host: string;
  port: number;
  user: string;
  password: string;
}

async function newestBinDir(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = await fs.readdir(root).catch(() => [] as string[]);
  for (const v of versions.filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))) {
    const dir = path.join(root, v, 'bin');
    if (await fs.access(path.join(dir, 'postgres')).then(() => true, () => false)) return dir;
  }
  return undefined;
}

/** The directory holding postgres, initdb and pg_isready: FIREDRILL_POSTGRES_BIN_DIR, or Debian's newest. */
export async function ensurePostgres(progress: Progress): Promise<string> {
  const explicit = process.env.FIREDRILL_POSTGRES_BIN_DIR;
  if (explicit) {
    await fs.access(path.join(explicit, 'postgres')).catch(() => {
      throw new StackError(`FIREDRILL_POSTGRES_BIN_DIR=${explicit} has no postgres`);
    });
    return explicit;
  }
  return aptInstall('postgresql', newestBinDir,
    'install PostgreSQL (Debian/Ubuntu: apt-get install postgresql), or set FIREDRILL_POSTGRES_BIN_DIR to its bin directory', progress);
}

interface Account { uid: number; gid: number; launcher: string[] }

/**
 * PostgreSQL refuses to run as root. As root the cluster belongs to the `postgres` account the
 * package creates; when the state directory sits under a home only root may enter (/root is
 * 0700), the server keeps just the capability to traverse and read paths (DAC_READ_SEARCH),
 * so its data can stay under the state directory without opening the home to everyone.
 */
async function account(dataDir: string): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new StackError('there is no postgres account to run PostgreSQL as (it refuses to run as root)', 'apt-get install postgresql creates it');
  const [, , uid = '', gid = ''] = line.split(':');
  const base = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'];
  const [setpriv = 'setpriv', ...flags] = base;
  const reach = await run(setpriv, [...flags, 'stat', '-c', '%i', path.dirname(dataDir)]);
  const launcher = reach.code === 0 ? base : [...base, '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];
  return { uid: Number(uid), gid: Number(gid), launcher: [...launcher, '--'] };
}

export function postgresDir(stateDir: string): string {
  return path.join(stateDir, 'postgres');
}

async function ready(binDir: string, port: number): Promise<boolean> {
  const res = await run(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2']);
  return res.code === 0;
}

/** The cluster's superuser password, made once and kept beside the data directory (0600). */
async function password(dir: string, owner?: Account): Promise<{ value: string; file: string }> {
  const file = path.join(dir, 'password');
  const existing = await fs.readFile(file, 'utf8').catch(() => '');
  if (existing.trim()) return { value: existing.trim(), file };
  const value = crypto.randomBytes(18).toString('base64url');
  await fs.writeFile(file, `${value}\n`, { mode: 0o600 });
  if (owner) await fs.chown(file, owner.uid, owner.gid);
  return { value, file };
}

/** Creates the cluster on first use and starts it on the port unless it already runs. */
export async function startPostgres(stateDir: string, port: number, binDir: string, progress: Progress): Promise<PostgresLogin> {
  const dir = postgresDir(stateDir);
  const dataDir = path.join(dir, 'data');
  await fs.mkdir(dir, { recursive: true });
  const owner = await account(dataDir);
  const pw = await password(dir, owner);
  const login: PostgresLogin = { host: '127.0.0.1', port, user: POSTGRES_USER, password: pw.value };
  if (await runningPid(stateDir, POSTGRES)) {
    await waitFor('PostgreSQL', () => ready(binDir, port), 60_000, () => logTail(stateDir, POSTGRES));
    return login;
  }
  const launcher = owner?.launcher ?? [];
  if (!(await fs.access(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false))) {
    progress(`creating a PostgreSQL cluster in ${dataDir}`);
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.mkdir(dataDir, { mode: 0o700 });
    if (owner) await fs.chown(dataDir, owner.uid, owner.gid);
    const initdb = path.join(binDir, 'initdb');
    const [cmd = initdb, ...pre] = [...launcher, initdb];
    const res = await run(cmd, [...pre, '-D', dataDir, '-U', POSTGRES_USER, `--pwfile=${pw.file}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-instructions']);
    if (res.code !== 0) {
      await fs.rm(dataDir, { recursive: true, force: true });
      throw new StackError(`initdb failed (exit ${res.code}):\n${(res.stderr || res.stdout).slice(-2000)}`);
    }
  }
  progress(`starting PostgreSQL on 127.0.0.1:${port}`);
  await startProcess(stateDir, POSTGRES, path.join(binDir, 'postgres'), [
    '-D', dataDir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    // TCP only: no socket in /var/run/postgresql beside the packaged service's.
    '-c', 'unix_socket_directories=',
    // Four Temporal services each keep a pool per store.
    '-c', 'max_connections=200',
    // A crash loses the last few commits at most, never consistency; the disks here are slow.
    '-c', 'synchronous_commit=off',
  ], process.env, launcher);
  await waitFor('PostgreSQL', () => ready(binDir, port), 60_000, () => logTail(stateDir, POSTGRES));
  return login;
}

/** Fast shutdown (SIGINT): open sessions are ended rather than waited for, as SIGTERM would. */
export async function stopPostgres(stateDir: string, graceMs = 30_000): Promise<boolean> {
  const pid = await runningPid(stateDir, POSTGRES);
  if (!pid) return stopProcess(stateDir, POSTGRES);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && await runningPid(stateDir, POSTGRES)) await sleep(100);
  await stopProcess(stateDir, POSTGRES);
  return true;
}
