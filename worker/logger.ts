import pino, { type DestinationStream, type Logger } from 'pino';

/** Fields whose values never reach a log line, at the top level of a log call and one level down. */
export const REDACTED_KEYS = ['webhookUrl', 'url', 'token', 'password', 'authorization'];

/**
 * The one structured logger. Secrets can reach log lines through request URLs, headers and
 * credentials passed as fields, so those are redacted at the source.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino({
    name: opts.name ?? 'firedrill',
    level: opts.level ?? process.env.FIREDRILL_LOG_LEVEL ?? 'info',
    redact: {
      paths: [...REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]), 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
  }, opts.destination ?? pino.destination(2));
}

export type { Logger };
