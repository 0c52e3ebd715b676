import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { connect, type TemporalTarget } from '../client/connection.js';
import type { Logger } from '../worker/logger.js';
import { isLoopbackHost, type AccessPolicy } from './auth.js';
import { createTowerApp } from './routes.js';
import { storeOf, type StoreRef } from '../report/store.js';

// `firedrill tower`: the web app on one address, with its own Temporal connection. Refuses to
// listen beyond loopback without a token, before it opens any socket.

export const DEFAULT_LISTEN = '127.0.0.1:8740';

export interface Listen { host: string; port: number }

/** "127.0.0.1:8740", "[::1]:8740", "0.0.0.0:8740", ":8740" (all addresses). */
export function parseListen(s: string): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen must be host:port (e.g. 127.0.0.1:8740 or [::1]:8740), got "${s}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export class TowerConfigError extends Error {}

export interface TowerOptions {
  temporal: TemporalTarget;
  listen: Listen;
  /** The report store (a directory path is a directory store). */
  reportDir: StoreRef;
  access: AccessPolicy;
  log: Logger;
  origins?: string[];
  liveIntervalMs?: number;
}

export interface RunningTower {
  url: string;
  close(): Promise<void>;
}

export async function startTower(o: TowerOptions): Promise<RunningTower> {
  if (!isLoopbackHost(o.listen.host) && !o.access.token) {
    throw new TowerConfigError(`refusing to listen on ${o.listen.host} without a token: set FIREDRILL_TOWER_TOKEN or --token-file (or listen on 127.0.0.1)`);
  }
  const { client, close } = await connect(o.temporal);
  const app = createTowerApp({
    client, taskQueue: o.temporal.taskQueue, namespace: o.temporal.namespace, reportDir: o.reportDir, access: o.access, log: o.log,
    ...(o.temporal.uiUrl ? { temporalUiUrl: o.temporal.uiUrl } : {}),
    ...(o.origins ? { origins: o.origins } : {}),
    ...(o.liveIntervalMs ? { liveIntervalMs: o.liveIntervalMs } : {}),
  });
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: o.listen.host, port: o.listen.port }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    await close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  o.log.info({ listen: url, taskQueue: o.temporal.taskQueue, namespace: o.temporal.namespace, reports: storeOf(o.reportDir).where(''), tokenRequired: Boolean(o.access.token) }, 'tower listening');
  return {
    url,
    async close() {
      // Live pages hold their connections open: end them so close() returns.
      const s = server as ServerType & { closeAllConnections?: () => void };
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections?.();
      });
      await close();
    },
  };
}
