import { z } from 'zod';

// Environment configuration, parsed once and strictly at the edge. A bad value names the
// variable instead of surfacing later as a connection error.
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  FIREDRILL_TASK_QUEUE: z.string().min(1).default('firedrill'),
  KUBECONFIG: z.string().optional(),
  FIREDRILL_REPORT_DIR: z.string().min(1).optional(),
  FIREDRILL_TEMPORAL_UI: z.string().url().optional(),
  FIREDRILL_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Node the worker runs on (set from the downward API in deploy/): plan refuses to drill it away. */
  FIREDRILL_NODE_NAME: z.string().optional(),
});

export type Config = z.infer<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
