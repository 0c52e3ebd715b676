import { z } from 'zod';
import type { TemporalSecurity } from '../client/connection.js';
import { tryParseDuration } from '../drills/schema/duration.js';
import { reportStoreFromEnv } from '../report/store-config.js';

// Environment configuration, parsed once and strictly at the edge. A bad value names the
// variable instead of surfacing later as a connection error.

/** "restoreNodes=4s,writeReport=500ms" → { restoreNodes: 4000, writeReport: 500 }. */
const activityDelays = z.string().optional().transform((text, ctx) => {
  if (text === undefined || text.trim() === '') return undefined;
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [name = '', value = '', extra] = part.split('=').map((s) => s.trim());
    const d = tryParseDuration(value);
    if (!/^[A-Za-z]\w*$/.test(name) || extra !== undefined || !d.ok) {
      ctx.addIssue({ code: 'custom', message: `expected activity=duration pairs separated by commas (e.g. restoreNodes=4s), got "${part}"` });
      return z.NEVER;
    }
    out[name] = d.ms;
  }
  return out;
});

/** Unset and empty are the same: a manifest may leave a variable blank. */
const optionalText = z.string().optional().transform((v) => (v?.trim() ? v.trim() : undefined));

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Files, as Temporal's CLI names them: a client certificate and key for mTLS, the CA that signed the server's. */
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  /** true/false forces TLS on or off; unset, TLS is on when a TLS file or an API key is set. */
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional().transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  /** Sent as a bearer token (Temporal Cloud API keys); comes from a Secret, never from a file in the repository. */
  TEMPORAL_API_KEY: optionalText,
  FIREDRILL_TASK_QUEUE: z.string().min(1).default('firedrill'),
  KUBECONFIG: z.string().optional(),
  FIREDRILL_REPORT_DIR: z.string().min(1).optional(),
  /** The report store: s3://bucket[/prefix], dir:/path or a path (report/store-config.ts). */
  FIREDRILL_REPORT_STORE: z.string().min(1).optional(),
  /** An S3-compatible server's URL (SeaweedFS, MinIO, Ceph); unset, AWS S3 itself. */
  FIREDRILL_S3_ENDPOINT: z.string().url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  FIREDRILL_TEMPORAL_UI: z.string().url().optional(),
  FIREDRILL_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Node the worker runs on (set from the downward API in deploy/): plan refuses to drill it away. */
  FIREDRILL_NODE_NAME: z.string().optional(),
  /**
   * Test only: waits this long before the named activities start, so a crash test can kill the
   * worker while they run (restore and report are otherwise over in milliseconds). The wait does
   * not heartbeat: keep it below the activity's heartbeat timeout.
   */
  FIREDRILL_TEST_ACTIVITY_DELAY: activityDelays,
});

export type Config = z.infer<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.superRefine((c, ctx) => {
    try {
      reportStoreFromEnv(c);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [c.FIREDRILL_REPORT_STORE ? 'FIREDRILL_REPORT_STORE' : 'FIREDRILL_REPORT_DIR'], message: (err as Error).message });
    }
    if (Boolean(c.TEMPORAL_TLS_CERT) !== Boolean(c.TEMPORAL_TLS_KEY)) {
      ctx.addIssue({ code: 'custom', path: [c.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'], message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both or neither' });
    }
  }).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** How to connect to Temporal: TLS files and API key (see client/connection.ts). */
export function temporalSecurity(c: Config): TemporalSecurity {
  return {
    ...(c.TEMPORAL_TLS !== undefined ? { tls: c.TEMPORAL_TLS } : {}),
    ...(c.TEMPORAL_TLS_CERT ? { certFile: c.TEMPORAL_TLS_CERT } : {}),
    ...(c.TEMPORAL_TLS_KEY ? { keyFile: c.TEMPORAL_TLS_KEY } : {}),
    ...(c.TEMPORAL_TLS_CA ? { caFile: c.TEMPORAL_TLS_CA } : {}),
    ...(c.TEMPORAL_TLS_SERVER_NAME ? { serverName: c.TEMPORAL_TLS_SERVER_NAME } : {}),
    ...(c.TEMPORAL_API_KEY ? { apiKey: c.TEMPORAL_API_KEY } : {}),
  };
}
