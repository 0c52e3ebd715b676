import { z } from 'zod';
import { OUTCOMES, RESULT_SCHEMA_VERSION, type DrillResult } from './result.js';

// A check of result.json files read back from disk (the CLI, the history scan): a file that does
// not fit the contract gets a message naming the field, not a crash deep inside a renderer.
// Objects are loose so that the parsed document, and therefore its hash, is kept byte for byte.

const iso = z.iso.datetime({ offset: true });
const ms = z.number().finite();
const obj = z.looseObject;

const objective = obj({
  type: z.enum(['rto', 'rpo', 'capacity', 'errorBudget', 'failback']),
  probe: z.string().optional(),
  target: z.number(),
  measured: z.number().nullable(),
  unit: z.enum(['ms', 'fraction']),
  resolutionMs: ms.optional(),
  met: z.boolean(),
  status: z.enum(['met', 'missed', 'inconclusive']).optional(),
  note: z.string().optional(),
});

const named = obj({ kind: z.string(), namespace: z.string(), name: z.string() });

const plan = obj({
  targetNodes: z.array(obj({ name: z.string(), zone: z.string().optional(), unschedulable: z.boolean() })),
  clusterNodes: z.number(),
  workloads: z.array(named.extend({ desired: z.number(), readyInTarget: z.number(), readyOutside: z.number(), losesAll: z.boolean() })),
  losesAll: z.array(named),
  blockingPdbs: z.array(obj({ namespace: z.string(), name: z.string(), reason: z.string() })),
  zoneBoundVolumes: z.array(obj({ name: z.string(), zone: z.string(), claim: z.string().optional(), pods: z.array(z.string()) })),
  pendingAfterMove: z.array(z.string()),
  verdict: obj({ allowed: z.boolean(), reasons: z.array(z.string()) }),
  warnings: z.array(z.string()).optional(),
});

const coverage = obj({
  windowMs: ms,
  observedMs: ms,
  fraction: z.number().min(0).max(1),
  observations: z.number(),
  longestGapMs: ms,
  gaps: z.array(obj({ from: iso, to: iso, ms })),
});

const measurements = obj({
  t0: iso.nullable(),
  injectStartedAt: iso.nullable().optional(),
  drainCompletedAt: iso.nullable().optional(),
  holdEndedAt: iso.nullable().optional(),
  probes: z.array(obj({
    probe: z.string(),
    resolutionMs: ms,
    detectedAt: iso.nullable(),
    rtoMs: ms.nullable(),
    impact: z.boolean(),
    recovered: z.boolean(),
    failbackMs: ms.nullable(),
    coverage: coverage.optional(),
    inconclusive: z.string().optional(),
  })),
  rpo: z.array(obj({
    probe: z.string(), resolutionMs: ms, acknowledged: z.number(), missing: z.number(), rpoMs: ms.nullable(),
    reads: z.number().optional(), agreed: z.boolean().optional(),
  })),
  capacity: obj({
    resolutionMs: ms,
    recoveryMs: ms.nullable(),
    recovered: z.boolean(),
    basis: z.literal('after-restore').optional(),
    workloads: z.array(named.extend({
      desired: z.number(),
      readyBefore: z.number(),
      readyInTargetBefore: z.number(),
      readyOutsideAfter: z.number().nullable(),
      recovered: z.boolean(),
      recoveryMs: ms.nullable(),
    })),
  }).nullable(),
  failback: obj({ ms: ms.nullable(), recovered: z.boolean(), resolutionMs: ms }).nullable(),
  errorBudget: obj({ failed: z.number(), total: z.number(), used: z.number() }),
});

export const drillResultSchema = obj({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  drill: obj({
    name: z.string().min(1),
    owner: z.string(),
    description: z.string().optional(),
    specSha256: z.string(),
    target: z.string(),
    fault: z.enum(['cordon', 'drain', 'power-loss']),
    holdMs: ms,
  }),
  run: obj({
    workflowId: z.string().min(1),
    runId: z.string(),
    namespace: z.string(),
    temporalUiUrl: z.string().optional(),
    startedAt: iso,
    endedAt: iso,
    firedrillVersion: z.string(),
    cluster: obj({ context: z.string().optional(), server: z.string().optional() }).optional(),
    trigger: z.enum(['manual', 'schedule', 'gameday']),
  }),
  outcome: z.enum(OUTCOMES),
  outcomeReason: z.string(),
  phases: z.array(obj({
    phase: z.enum(['preflight', 'approval', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done']),
    startedAt: iso,
    endedAt: iso.optional(),
  })),
  journal: z.array(obj({
    at: iso,
    kind: z.enum(['phase', 'operator', 'guardrail', 'info', 'warning', 'error']),
    message: z.string(),
    identity: z.string().optional(),
  })),
  approval: obj({
    required: z.boolean(),
    approvedBy: z.string().optional(),
    approvedAt: iso.optional(),
    refused: z.array(obj({ identity: z.string(), at: iso, reason: z.string() })),
    quorum: z.number().optional(),
    startedBy: z.string().optional(),
    approvals: z.array(obj({
      identity: z.string(), at: iso, verified: z.boolean(),
      fingerprint: z.string().optional(), keyType: z.string().optional(), statement: z.string().optional(), signature: z.string().optional(),
    })).optional(),
  }),
  plan: plan.nullable(),
  injection: obj({
    t0: iso.nullable(),
    injectStartedAt: iso.optional(),
    drainCompletedAt: iso.optional(),
    stopped: z.boolean().optional(),
    nodes: z.array(obj({
      name: z.string(),
      zone: z.string().optional(),
      actions: z.array(z.enum(['cordon', 'taint'])),
      wasCordoned: z.boolean(),
      restored: z.boolean(),
    })),
    evicted: z.number(),
    notEvicted: z.array(obj({ namespace: z.string(), pod: z.string(), node: z.string(), reason: z.string() })),
    apiRetries: z.number(),
  }).nullable(),
  probes: z.array(obj({
    name: z.string(),
    type: z.enum(['http', 'kubernetes', 'prometheus', 'rpo', 'tcp']),
    intervalMs: ms,
    stableForMs: ms,
    gapMs: ms.optional(),
    segments: z.array(obj({ from: iso, to: iso, healthy: z.boolean(), count: z.number(), error: z.string().optional() })),
  })),
  measurements,
  objectives: z.array(objective),
  notFailedOver: z.array(obj({ kind: z.string(), name: z.string(), reason: z.string() })),
  restore: obj({
    startedAt: iso,
    endedAt: iso,
    nodes: z.array(obj({ name: z.string(), restored: z.boolean(), note: z.string().optional() })),
    blockedMs: ms,
  }).nullable(),
  evidence: obj({
    resultSha256: z.string(),
    previousResultSha256: z.string().nullable().optional(),
    signature: obj({ algorithm: z.literal('ed25519'), keyFingerprint: z.string(), value: z.string() }).optional(),
  }).optional(),
});

// Compile-time guard that the check and the contract in result.ts do not drift apart.
type Checked = z.infer<typeof drillResultSchema>;
const _fitsContract: (r: Checked) => DrillResult = (r) => r;
void _fitsContract;

export type ParsedResult = { ok: true; result: DrillResult } | { ok: false; message: string };

/** Parses result.json text; on failure the message names the source and the first bad fields. */
export function parseResultJson(text: string, source: string): ParsedResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `${source}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})` };
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== RESULT_SCHEMA_VERSION) {
    return { ok: false, message: `${source}: not a firedrill result (schemaVersion ${JSON.stringify(version ?? null)}, expected "${RESULT_SCHEMA_VERSION}")` };
  }
  const checked = drillResultSchema.safeParse(data);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 5)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, message: `${source}: does not match the result schema: ${issues}` };
  }
  // The original document, not zod's copy: what is rendered and hashed is exactly what was read.
  return { ok: true, result: data as DrillResult };
}
