import { z } from 'zod';
import { duration } from './duration.js';
import { httpUrl, nonEmpty } from './names.js';
import { workloadRefSchema } from './workload.js';

const PROBE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// Every probe declares how it is judged steady (chaostoolkit's rule: no hypothesis without a
// tolerance); when the file leaves it out, these defaults are written into the parsed spec.
const toleranceSchema = z.strictObject({
  stableFor: duration({ positive: false }).default(5_000),
  allowedFailures: z.int().min(0).default(0),
});

const common = {
  name: z.string().max(63).regex(PROBE_NAME, {
    message: "probe name must be lowercase letters, digits and '-', starting and ending with a letter or digit",
  }),
  interval: duration({ min: 100 }).default(1_000),
  tolerance: toleranceSchema.prefault({}),
};

const timeout = duration().default(2_000);

// Credentials stay in the worker's environment: the drill file names the variable, never the
// value, and only FIREDRILL_PROBE_* variables, so a drill from a pull request cannot send the
// worker's other secrets (cloud keys, the signing key) to a URL of its choosing.
export const PROBE_ENV = /^FIREDRILL_PROBE_[A-Z0-9_]+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const headersFromEnv = z.record(
  z.string().regex(HEADER_NAME, { message: 'not an HTTP header name' }).refine((h) => h.toLowerCase() !== 'host', { message: 'the Host header cannot be set' }),
  z.string().regex(PROBE_ENV, { message: 'names the environment variable holding the value, which must be FIREDRILL_PROBE_<NAME> (e.g. FIREDRILL_PROBE_TOKEN)' }),
).optional();

export const httpProbeSchema = z.strictObject({
  type: z.literal('http'),
  ...common,
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  expectStatus: z
    .array(z.int().min(100).max(599))
    .min(1, { message: 'expectStatus must list at least one status code' })
    .default(() => [200]),
  bodyMatch: z.string().optional(),
  /** Header name → the worker's environment variable holding its value. */
  headersFromEnv,
  timeout,
});

export const kubernetesProbeSchema = z.strictObject({
  type: z.literal('kubernetes'),
  ...common,
  workload: workloadRefSchema,
  /** Ready replicas that count as healthy; unset, the workload's desired replicas (see requiredReady). */
  minReady: z.int().min(1).optional(),
});

/** The ready replicas a kubernetes probe needs: its minReady, else all the workload desires. */
export function requiredReady(p: { minReady?: number }, desired: number): number {
  return p.minReady ?? desired;
}

export const prometheusProbeSchema = z.strictObject({
  type: z.literal('prometheus'),
  ...common,
  url: httpUrl,
  query: nonEmpty('query'),
  compare: z.enum(['<', '<=', '>', '>=', '==', '!=']),
  threshold: z.number(),
  headersFromEnv,
  timeout,
});

/** A data probe: writes increasing markers and reads back which ones survived the failover. */
export const rpoProbeSchema = z.strictObject({
  type: z.literal('rpo'),
  ...common,
  writeUrl: httpUrl,
  readUrl: httpUrl,
  timeout,
});

export const tcpProbeSchema = z.strictObject({
  type: z.literal('tcp'),
  ...common,
  host: nonEmpty('host').regex(/^[^\s/]+$/, { message: 'host must be a hostname or IP address, without scheme or path' }),
  port: z.int().min(1).max(65535),
  timeout,
});

export const probeSchema = z.discriminatedUnion('type', [
  httpProbeSchema,
  kubernetesProbeSchema,
  prometheusProbeSchema,
  rpoProbeSchema,
  tcpProbeSchema,
]);

export const probesSchema = z
  .array(probeSchema)
  .min(1, { message: 'a drill needs at least one probe: without one nothing is measured' })
  .superRefine((probes, ctx) => {
    // Runs even when some probe is invalid (one pass): the input may hold anything.
    if (!Array.isArray(probes)) return;
    const seen = new Map<string, number>();
    (probes as unknown[]).forEach((p, i) => {
      const name = p !== null && typeof p === 'object' ? (p as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate probe name "${name}" (also probes[${first}])` });
    });
  }, { when: () => true });
