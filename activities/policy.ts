import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { approverNames, keyedApprovers } from '../approvals/statement.js';
import { drillSpecSchema, type DrillSpec } from '../drills/schema/index.js';
import { reparseParsed } from '../drills/schema/duration.js';

// The worker's own policy, checked at preflight whatever the client did: a workflow started by
// hand (temporal workflow start, a script) meets the same limits as `firedrill run`. It comes
// from FIREDRILL_POLICY_FILE (YAML or JSON) or, without one, FIREDRILL_POLICY_* variables.

const FAULT_MODES = ['cordon', 'drain', 'power-loss'] as const;

export const policySchema = z.strictObject({
  /** Kube contexts drills may name; "default" is a drill without target.context. Absent: any. */
  allowedContexts: z.array(z.string().min(1)).optional(),
  /** The largest share of a cluster's nodes a drill may take, whatever the drill allows itself. */
  maxFraction: z.number().gt(0).max(1).optional(),
  /** Whether whole-cluster targets may run on this worker at all (default true). */
  allowWholeCluster: z.boolean().optional(),
  faultModes: z.array(z.enum(FAULT_MODES)).min(1).optional(),
  /** Whole-cluster drills must require approval by at least this many distinct approvers. */
  wholeClusterQuorum: z.int().min(1).optional(),
  /** Whole-cluster drills must list approvers with keys (only signed approvals count). */
  wholeClusterSigned: z.boolean().optional(),
});
export type WorkerPolicy = z.infer<typeof policySchema>;

const list = (v: string | undefined) => v?.split(',').map((x) => x.trim()).filter(Boolean);
const bool = (v: string | undefined) => (v === undefined || v === '' ? undefined : /^(1|true|yes)$/i.test(v));
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/** The policy from the environment; throws with the variable or file named when it is malformed. */
export function loadPolicy(env: Record<string, string | undefined>): WorkerPolicy & { source: string } {
  const file = env.FIREDRILL_POLICY_FILE;
  let raw: unknown;
  let source: string;
  if (file) {
    source = file;
    raw = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  } else {
    source = 'FIREDRILL_POLICY_* variables';
    const r: Record<string, unknown> = {
      allowedContexts: list(env.FIREDRILL_POLICY_CONTEXTS),
      maxFraction: num(env.FIREDRILL_POLICY_MAX_FRACTION),
      allowWholeCluster: bool(env.FIREDRILL_POLICY_WHOLE_CLUSTER),
      faultModes: list(env.FIREDRILL_POLICY_FAULT_MODES),
      wholeClusterQuorum: num(env.FIREDRILL_POLICY_WHOLE_CLUSTER_QUORUM),
      wholeClusterSigned: bool(env.FIREDRILL_POLICY_WHOLE_CLUSTER_SIGNED),
    };
    raw = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid worker policy (${source}): ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, source };
}

export interface PolicyViolation { rule: string; message: string }

/**
 * Every rule the spec breaks. `plan` gives the real share of the cluster the target covers
 * (the spec's own maxFraction is only what the drill allows itself).
 */
export function checkPolicy(spec: DrillSpec, policy: WorkerPolicy, plan?: { targetNodes: number; clusterNodes: number }): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const checked = reparseParsed(() => drillSpecSchema.safeParse(spec));
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
    // Nothing else is worth checking on a spec that the schema refuses.
    return [{ rule: 'schema', message: `the spec does not pass the drill schema: ${issues}` }];
  }
  const context = spec.target.context ?? 'default';
  if (policy.allowedContexts && !policy.allowedContexts.includes(context)) {
    out.push({ rule: 'allowedContexts', message: `kube context ${context} is not one of ${policy.allowedContexts.join(', ')}` });
  }
  if (policy.faultModes && !policy.faultModes.includes(spec.fault.mode)) {
    out.push({ rule: 'faultModes', message: `fault mode ${spec.fault.mode} is not one of ${policy.faultModes.join(', ')}` });
  }
  const whole = spec.target.type === 'cluster';
  if (whole && policy.allowWholeCluster === false) out.push({ rule: 'allowWholeCluster', message: 'whole-cluster targets are not allowed on this worker' });
  if (policy.maxFraction !== undefined) {
    if (spec.safety.maxFraction > policy.maxFraction) {
      out.push({ rule: 'maxFraction', message: `the drill allows itself ${spec.safety.maxFraction} of the cluster, more than ${policy.maxFraction}` });
    } else if (plan && plan.clusterNodes > 0 && plan.targetNodes / plan.clusterNodes > policy.maxFraction) {
      out.push({ rule: 'maxFraction', message: `the target is ${plan.targetNodes} of ${plan.clusterNodes} nodes, more than ${policy.maxFraction} of the cluster` });
    }
  }
  if (whole && policy.wholeClusterQuorum !== undefined) {
    const quorum = spec.approval.required ? spec.approval.quorum ?? 1 : 0;
    if (quorum < policy.wholeClusterQuorum || !approverNames(spec.approval)) {
      out.push({ rule: 'wholeClusterQuorum', message: `a whole-cluster drill needs approval by ${policy.wholeClusterQuorum} listed approver(s); it asks for ${approverNames(spec.approval) ? quorum : 'anyone'}` });
    }
  }
  if (whole && policy.wholeClusterSigned && keyedApprovers(spec.approval).length === 0) {
    out.push({ rule: 'wholeClusterSigned', message: 'a whole-cluster drill must list approvers with keys' });
  }
  return out;
}
