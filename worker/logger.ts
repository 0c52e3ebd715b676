import pino, { type Logger } from 'pino';

/**
 * The one structured logger. Secrets can reach log lines through request URLs and headers, so the
 * usual places are redacted at the source.
 */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'firedrill',
    level: opts.level ?? process.env.FIREDRILL_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['*.webhookUrl', '*.token', '*.authorization', '*.headers.authorization', 'url', '*.url'],
      censor: '[redacted]',
    },
  }, pino.destination(2));
}

export type { Logger };
