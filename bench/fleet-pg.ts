import fs from 'node:fs/promises';
import path from 'node:path';
import { run } from '../devstack/exec.js';
import type { StackPorts } from '../devstack/ports.js';
import { ensurePostgres, postgresDir, POSTGRES_USER } from '../devstack/postgres.js';
import { serverPorts } from '../devstack/temporal-server.js';
import type { Counters } from './fleet-figures.js';

// Rows the Temporal server writes to PostgreSQL, read with psql from the stack's own cluster:
// pg_stat_database for both Temporal databases, pg_stat_user_tables for where in `temporal`.

export interface RowCounters {
  databases: Record<string, Counters>;
  tables: Record<string, Counters>;
}

export interface Psql {
  counters(): Promise<RowCounters>;
}

export async function stackPsql(stateDir: string, ports: StackPorts, progress: (m: string) => void): Promise<Psql> {
  const binDir = await ensurePostgres(progress);
  const password = (await fs.readFile(path.join(postgresDir(stateDir), 'password'), 'utf8')).trim();
  const port = serverPorts(ports).postgres;
  const query = async (database: string, sql: string): Promise<string[][]> => {
    const res = await run(path.join(binDir, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER, '-d', database, '-At', '-F', ',', '-c', sql], {
      env: { ...process.env, PGPASSWORD: password },
    });
    if (res.code !== 0) throw new Error(`psql on ${database} failed (exit ${res.code}): ${res.stderr.trim()}`);
    return res.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(','));
  };
  const toCounters = (rows: string[][]) => Object.fromEntries(rows.map(([name = '', ins, upd, del]) => [name, { inserted: Number(ins), updated: Number(upd), deleted: Number(del) }]));
  return {
    async counters() {
      const [dbs, tables] = await Promise.all([
        query('temporal', "SELECT datname, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname IN ('temporal', 'temporal_visibility')"),
        query('temporal', 'SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables'),
      ]);
      return { databases: toCounters(dbs), tables: toCounters(tables) };
    },
  };
}

const minus = (a: Counters | undefined, b: Counters | undefined): Counters => ({
  inserted: (a?.inserted ?? 0) - (b?.inserted ?? 0),
  updated: (a?.updated ?? 0) - (b?.updated ?? 0),
  deleted: (a?.deleted ?? 0) - (b?.deleted ?? 0),
});

/** Counters written between two readings: per database, their total, and the busiest tables. */
export function rowDelta(after: RowCounters, before: RowCounters, topTables = 8) {
  const databases = Object.fromEntries(Object.keys(after.databases).map((d) => [d, minus(after.databases[d], before.databases[d])]));
  const total = Object.values(databases).reduce((s, c) => ({ inserted: s.inserted + c.inserted, updated: s.updated + c.updated, deleted: s.deleted + c.deleted }), { inserted: 0, updated: 0, deleted: 0 });
  const tables = Object.keys(after.tables).map((t) => ({ table: t, ...minus(after.tables[t], before.tables[t]) }))
    .filter((t) => t.inserted + t.updated + t.deleted > 0)
    .sort((a, b) => (b.inserted + b.updated + b.deleted) - (a.inserted + a.updated + a.deleted))
    .slice(0, topTables);
  return { databases, total, tables };
}
