import fs from 'node:fs/promises';
import path from 'node:path';
import { msToTs } from '@temporalio/common/lib/time.js';
import YAML from 'yaml';
import { connect, type TemporalSecurity } from '../client/connection.js';
import { ensureDevCerts, type DevCerts } from './certs.js';
import { StackError } from './errors.js';
import { run } from './exec.js';
import type { StackPorts } from './ports.js';
import { ensurePostgres, startPostgres, stopPostgres, POSTGRES, type PostgresLogin } from './postgres.js';
import { assertPortFree, logTail, runningPid, sleep, startProcess, stopProcess, waitFor } from './procs.js';
import { ensureTemporalServer, type Progress, type TemporalServerTool } from './provision.js';
import { SEARCH_ATTRIBUTES, TEMPORAL_NAMESPACE } from './temporal.js';
import { TEMPORAL_SERVER_VERSION } from './versions.js';

// The real Temporal server (`dev up --temporal server`): frontend, history, matching and worker
// services in one process, on PostgreSQL, with mTLS on the frontend and between its services.
// The project writes its config file; the schema is migrated with temporal-sql-tool, the same
// steps docker-compose.yml runs.

export const TEMPORAL_SERVER = 'temporal-server';
/** Processes of the real server, in start order. */
export const TEMPORAL_SERVER_COMPONENTS = [POSTGRES, TEMPORAL_SERVER] as const;

/**
 * The server's own ports beside the block's frontend, HTTP and metrics ports: base+20..+28
 * (default 7253..7261), clear of the first eleven ports of the block.
 */
export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  metrics: number;
  postgres: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  pprof: number;
}

export function serverPorts(ports: StackPorts): ServerPorts {
  const at = (n: number) => ports.temporal + 20 + n;
  // The server records membership ports in a smallint column: above 32767 it cannot start.
  const low = (port: number) => {
    let p = port;
    while (p > 32_767) p -= 20_000;
    return p;
  };
  return {
    frontend: ports.temporal, frontendHttp: ports.temporalHttp, metrics: ports.temporalMetrics,
    postgres: at(0), history: at(1), matching: at(2), worker: at(3),
    frontendMembership: low(at(4)), historyMembership: low(at(5)), matchingMembership: low(at(6)), workerMembership: low(at(7)), pprof: at(8),
  };
}

export function serverDir(stateDir: string): string {
  return path.join(stateDir, 'temporal-server');
}

export function certDir(stateDir: string): string {
  return path.join(serverDir(stateDir), 'tls');
}

/** How a client reaches the server: the stack's CA and client certificate. */
export function clientSecurity(certs: Pick<DevCerts, 'caFile' | 'client' | 'serverName'>): TemporalSecurity {
  return { caFile: certs.caFile, certFile: certs.client.certFile, keyFile: certs.client.keyFile, serverName: certs.serverName };
}

export function stackClientSecurity(stateDir: string): TemporalSecurity {
  const dir = certDir(stateDir);
  return clientSecurity({ caFile: path.join(dir, 'ca.pem'), client: { certFile: path.join(dir, 'client.pem'), keyFile: path.join(dir, 'client.key') }, serverName: 'localhost' });
}

/** True when the server answers over mTLS with the stack's client certificate. */
export async function temporalServerHealthy(stateDir: string, ports: StackPorts): Promise<boolean> {
  let conn: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    conn = await connect({ address: `127.0.0.1:${ports.temporal}`, namespace: TEMPORAL_NAMESPACE, taskQueue: '', security: stackClientSecurity(stateDir) });
    await conn.client.connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close();
  }
}

function serverConfig(stateDir: string, p: ServerPorts, db: PostgresLogin, certs: DevCerts): object {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12', databaseName, connectAddr: `${db.host}:${db.port}`, connectProtocol: 'tcp',
      user: db.user, password: db.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h',
    },
  });
  const serverTls = { certFile: certs.server.certFile, keyFile: certs.server.keyFile, requireClientAuth: true, clientCaFiles: [certs.caFile] };
  const clientTls = { serverName: certs.serverName, rootCaFiles: [certs.caFile] };
  const rpc = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: store('temporal', 10), visibility: store('temporal_visibility', 4) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      pprof: { port: p.pprof },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${p.metrics}` } },
      tls: {
        // Clients must present a certificate of the stack's CA; so must the services to each other.
        frontend: { server: serverTls, client: clientTls },
        internode: { server: serverTls, client: clientTls },
        systemWorker: { certFile: certs.server.certFile, keyFile: certs.server.keyFile, client: clientTls },
      },
    },
    services: {
      frontend: rpc(p.frontend, p.frontendMembership, { httpPort: p.frontendHttp }),
      history: rpc(p.history, p.historyMembership),
      matching: rpc(p.matching, p.matchingMembership),
      worker: rpc(p.worker, p.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${certs.serverName}:${p.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: path.join(serverDir(stateDir), 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
}

// Search attributes a drill sets at start are visible to the next list at once, as on the dev
// server: the janitor and the already-running check list by them right after a start.
const DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
};

async function sqlTool(tool: TemporalServerTool, db: PostgresLogin, database: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const res = await run(tool.sqlTool, [
    '--plugin', 'postgres12', '--endpoint', db.host, '--port', String(db.port), '--user', db.user, '--database', database, ...args,
  ], { env: { ...process.env, SQL_PASSWORD: db.password } });
  return { code: res.code, out: `${res.stdout}\n${res.stderr}` };
}

/**
 * Creates the two databases and brings their schemas to the pinned server's version:
 * create-database, setup-schema -v 0.0, update-schema -d <versioned dir> (update-schema applies
 * only the versions a database lacks, so a server upgrade migrates in place).
 */
export async function migrateSchema(stateDir: string, tool: TemporalServerTool, db: PostgresLogin, progress: Progress): Promise<void> {
  const marker = path.join(serverDir(stateDir), `schema-${TEMPORAL_SERVER_VERSION}.done`);
  if (await fs.access(marker).then(() => true, () => false)) return;
  const schemaDir = path.join(serverDir(stateDir), 'schema');
  const schema = JSON.parse(await fs.readFile(tool.schemaFile, 'utf8')) as Record<string, string>;
  await fs.rm(schemaDir, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(schema)) {
    await fs.mkdir(path.dirname(path.join(schemaDir, rel)), { recursive: true });
    await fs.writeFile(path.join(schemaDir, rel), text);
  }
  for (const [database, dir] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    progress(`migrating database ${database} to the Temporal server ${TEMPORAL_SERVER_VERSION} schema`);
    const fail = (step: string, r: { code: number | null; out: string }) =>
      new StackError(`temporal-sql-tool ${step} on ${database} failed (exit ${r.code}):\n${r.out.trim().split('\n').slice(-15).join('\n')}`);
    const created = await sqlTool(tool, db, database, ['create-database']);
    if (created.code !== 0 && !/already exists/.test(created.out)) throw fail('create-database', created);
    // setup-schema -v 0.0 only creates the version tables; it is skipped once they exist.
    const versioned = await sqlTool(tool, db, database, ['setup-schema', '-v', '0.0']);
    if (versioned.code !== 0 && !/already exists/.test(versioned.out)) throw fail('setup-schema', versioned);
    const updated = await sqlTool(tool, db, database, ['update-schema', '-d', path.join(schemaDir, dir, 'versioned')]);
    if (updated.code !== 0) throw fail('update-schema', updated);
  }
  await fs.writeFile(marker, `${new Date().toISOString()}\n`);
}

/** Registers the namespace and the drills' search attributes unless they exist. */
export async function registerNamespace(address: string, security: TemporalSecurity, progress: Progress): Promise<void> {
  const { client, close } = await connect({ address, namespace: TEMPORAL_NAMESPACE, taskQueue: '', security });
  try {
    const svc = client.connection.workflowService;
    const exists = await svc.describeNamespace({ namespace: TEMPORAL_NAMESPACE }).then(() => true, (err: { code?: number }) => {
      if (err.code === 5) return false; // NOT_FOUND
      throw err;
    });
    if (!exists) {
      progress(`registering namespace ${TEMPORAL_NAMESPACE}`);
      await svc.registerNamespace({ namespace: TEMPORAL_NAMESPACE, workflowExecutionRetentionPeriod: msToTs('3 days') })
        .catch((err: { code?: number }) => { if (err.code !== 6) throw err; }); // ALREADY_EXISTS: another process won
    }
    const ops = client.connection.operatorService;
    const have = async () => Object.keys((await ops.listSearchAttributes({ namespace: TEMPORAL_NAMESPACE })).customAttributes ?? {});
    const wanted = SEARCH_ATTRIBUTES.map((sa) => sa.split('=')[0] as string);
    const present = new Set(await waitForNamespace(have));
    const toAdd = wanted.filter((n) => !present.has(n));
    if (toAdd.length) {
      progress(`adding search attributes ${toAdd.join(', ')}`);
      // 2 = INDEXED_VALUE_TYPE_KEYWORD
      await ops.addSearchAttributes({ namespace: TEMPORAL_NAMESPACE, searchAttributes: Object.fromEntries(toAdd.map((n) => [n, 2])) });
    }
    // The namespace cache of every service picks a new namespace up within seconds; until then a
    // start fails with "namespace not found".
    await waitFor(`namespace ${TEMPORAL_NAMESPACE} with its search attributes`, async () => {
      const names = new Set(await have());
      if (!wanted.every((n) => names.has(n))) return false;
      await client.workflowService.countWorkflowExecutions({ namespace: TEMPORAL_NAMESPACE, query: 'FiredrillDrill = "x"' });
      return true;
    }, 60_000, async () => 'the namespace or its search attributes are still not visible');
  } finally {
    await close();
  }
}

async function waitForNamespace(have: () => Promise<string[]>): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await have();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The server logs JSON with Go stack traces: the last errors, as level, message and error. */
export async function serverLogTail(stateDir: string, lines = 6): Promise<string> {
  const text = await logTail(stateDir, TEMPORAL_SERVER, 200);
  const out = text.split('\n').map((line) => {
    try {
      const e = JSON.parse(line) as { level?: string; msg?: string; error?: string };
      return `${e.level ?? '?'}: ${e.msg ?? ''}${e.error ? `: ${e.error}` : ''}`;
    } catch {
      return line;
    }
  });
  return out.slice(-lines).join('\n');
}

/** Starts the server process on the written config unless it runs; waits until it answers. */
export async function startTemporalServer(stateDir: string, ports: StackPorts, serverBin: string, progress: Progress): Promise<void> {
  const wait = async () => {
    const deadline = Date.now() + 120_000;
    while (!(await temporalServerHealthy(stateDir, ports))) {
      // A server that exited (a bad config, a busy port) will not come up: say so at once.
      if (!(await runningPid(stateDir, TEMPORAL_SERVER))) throw new StackError(`the Temporal server exited:\n${await serverLogTail(stateDir)}`);
      if (Date.now() > deadline) throw new StackError(`the Temporal server did not become ready within 120 s:\n${await serverLogTail(stateDir)}`);
      await sleep(500);
    }
  };
  if (await runningPid(stateDir, TEMPORAL_SERVER)) return wait();
  for (const [port, purpose] of serverPortList(ports)[TEMPORAL_SERVER] ?? []) await assertPortFree(port, purpose);
  const p = serverPorts(ports);
  progress(`starting the Temporal server ${TEMPORAL_SERVER_VERSION} (PostgreSQL, mTLS) on 127.0.0.1:${p.frontend}`);
  await startProcess(stateDir, TEMPORAL_SERVER, serverBin, ['--config-file', path.join(serverDir(stateDir), 'config.yaml'), '--allow-no-auth', 'start']);
  await wait();
}

export interface ServerUp {
  /** Components this call started (a subset of TEMPORAL_SERVER_COMPONENTS). */
  started: string[];
  security: TemporalSecurity;
  tool: TemporalServerTool;
}

/**
 * Everything the real server needs, each step reusing what is already there: the build, the
 * CA and certificates, PostgreSQL, the schema, the config file, the process, the namespace.
 */
export async function temporalServerUp(stateDir: string, ports: StackPorts, progress: Progress): Promise<ServerUp> {
  const before = new Set<string>();
  for (const name of TEMPORAL_SERVER_COMPONENTS) if (await runningPid(stateDir, name)) before.add(name);
  const p = serverPorts(ports);
  if (!before.has(POSTGRES)) await assertPortFree(p.postgres, 'PostgreSQL');
  if (!before.has(TEMPORAL_SERVER)) await assertPortFree(p.frontend, 'Temporal frontend');
  const dir = serverDir(stateDir);
  await fs.mkdir(dir, { recursive: true });
  const [tool, pgBin, certs] = await Promise.all([ensureTemporalServer(progress), ensurePostgres(progress), ensureDevCerts(certDir(stateDir), progress)]);
  const db = await startPostgres(stateDir, p.postgres, pgBin, progress);
  await migrateSchema(stateDir, tool, db, progress);
  const config = serverConfig(stateDir, p, db, certs);
  await fs.writeFile(path.join(dir, 'config.yaml'), YAML.stringify(config), { mode: 0o600 });
  await fs.writeFile(path.join(dir, 'dynamicconfig.yaml'), YAML.stringify(DYNAMIC_CONFIG));
  await startTemporalServer(stateDir, ports, tool.server, progress);
  const security = clientSecurity(certs);
  await registerNamespace(`127.0.0.1:${p.frontend}`, security, progress);
  const started = TEMPORAL_SERVER_COMPONENTS.filter((n) => !before.has(n));
  return { started, security, tool };
}

/** Stops the server, then its database (by pid file; the data stays for the next start). */
export async function temporalServerDown(stateDir: string, only?: readonly string[]): Promise<string[]> {
  const stopped: string[] = [];
  if ((!only || only.includes(TEMPORAL_SERVER)) && await stopProcess(stateDir, TEMPORAL_SERVER)) stopped.push(TEMPORAL_SERVER);
  if ((!only || only.includes(POSTGRES)) && await stopPostgres(stateDir)) stopped.push(POSTGRES);
  return stopped;
}

export type TemporalKind = 'dev' | 'server';

/** Which Temporal the stack runs, for `dev status --json` and the CLI's connection defaults. */
export interface StackTemporal {
  kind: TemporalKind;
  /** The dev server's CLI version, or the server's. */
  version: string;
  /** Set when clients must connect with mTLS: the stack's CA and client certificate. */
  tls?: TemporalSecurity;
}

function kindFile(stateDir: string): string {
  return path.join(stateDir, 'temporal-kind');
}

/** The Temporal the last `dev up` chose in this state directory (the dev server unless told). */
export async function temporalKind(stateDir: string): Promise<TemporalKind> {
  const text = await fs.readFile(kindFile(stateDir), 'utf8').catch(() => 'dev');
  return text.trim() === 'server' ? 'server' : 'dev';
}

export async function setTemporalKind(stateDir: string, kind: TemporalKind): Promise<void> {
  await fs.writeFile(kindFile(stateDir), `${kind}\n`);
}

export function stackTemporal(stateDir: string, kind: TemporalKind, devVersion: string): StackTemporal {
  return kind === 'server'
    ? { kind, version: TEMPORAL_SERVER_VERSION, tls: stackClientSecurity(stateDir) }
    : { kind, version: devVersion };
}

/** Every port the server and its database take, named, for the stack's check before anything starts. */
export function serverPortList(ports: StackPorts): Record<string, Array<[number, string]>> {
  const p = serverPorts(ports);
  return {
    [POSTGRES]: [[p.postgres, 'PostgreSQL']],
    [TEMPORAL_SERVER]: [
      [p.frontend, 'Temporal frontend'], [p.frontendHttp, 'Temporal HTTP API'], [p.metrics, 'Temporal metrics'],
      [p.history, 'Temporal history'], [p.matching, 'Temporal matching'], [p.worker, 'Temporal worker service'],
      [p.frontendMembership, 'Temporal frontend membership'], [p.historyMembership, 'Temporal history membership'],
      [p.matchingMembership, 'Temporal matching membership'], [p.workerMembership, 'Temporal worker membership'], [p.pprof, 'Temporal pprof'],
    ],
  };
}
