import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_LISTEN, parseListen, startTower, TowerConfigError } from '../../tower/server.js';
import { createLogger } from '../../worker/logger.js';
import { resolveConfig, temporalTarget } from '../env.js';
import { UsageError } from '../errors.js';
import { REPORT_STORE_ENV, TEMPORAL_ENV, withHelp } from '../help.js';
import { reportStoreFromEnv } from '../../report/store-config.js';
import { identity } from '../identity.js';

export function registerTower(program: Command): void {
  withHelp(program.command('tower'), {
    environment: [...TEMPORAL_ENV, 'FIREDRILL_TEMPORAL_UI', ...REPORT_STORE_ENV, 'FIREDRILL_IDENTITY', 'FIREDRILL_TOWER_TOKEN', 'FIREDRILL_LOG_LEVEL'],
    exitCodes: [[0, 'stopped by Ctrl-C or SIGTERM'], [2, 'error: bad --listen, off loopback without a token, port in use, Temporal unreachable']],
    examples: ['firedrill tower', 'FIREDRILL_TOWER_TOKEN=$(cat /run/secrets/tower) firedrill tower --listen 0.0.0.0:8740'],
  })
    .description('serve the control tower: every running drill and game day live, approvals and aborts, schedules and history (reads Temporal and the report store; keeps no state)')
    .option('--listen <host:port>', 'where to listen; off loopback a token is required', DEFAULT_LISTEN)
    .option('--token-file <file>', 'file holding the bearer token (else FIREDRILL_TOWER_TOKEN)')
    .option('--identity-header <name>', 'header in which an authenticating reverse proxy names the user (e.g. X-Forwarded-Email); trusted only on requests that carry the token')
    .option('--origin <url...>', 'public origin(s) the browser uses behind a reverse proxy, for the same-origin check of forms')
    .action(async (opts: { listen: string; tokenFile?: string; identityHeader?: string; origin?: string[] }) => {
      let listen;
      try {
        listen = parseListen(opts.listen);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const token = (opts.tokenFile ? (await readFile(opts.tokenFile, 'utf8')).trim() : process.env.FIREDRILL_TOWER_TOKEN?.trim()) || undefined;
      if (opts.tokenFile && !token) throw new UsageError(`${opts.tokenFile} is empty`);
      if (token && token.length < 16) throw new UsageError('the tower token must be at least 16 characters');
      const config = resolveConfig();
      const log = createLogger({ name: 'firedrill-tower' });
      let tower;
      try {
        tower = await startTower({
          temporal: temporalTarget(config),
          listen,
          reportDir: reportStoreFromEnv(config),
          access: { ...(token ? { token } : {}), ...(opts.identityHeader ? { identityHeader: opts.identityHeader.toLowerCase() } : {}), defaultIdentity: identity() },
          log,
          ...(opts.origin ? { origins: opts.origin } : {}),
        });
      } catch (err) {
        if (err instanceof TowerConfigError) throw new UsageError(err.message);
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`${opts.listen} is already in use: choose another with --listen`);
        throw err;
      }
      process.stdout.write(`tower: ${tower.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await tower.close();
    });
}
