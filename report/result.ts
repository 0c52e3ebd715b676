// The drill result: the versioned JSON document (the drill's journal) that every report format
// is rendered from. It is built by the drill workflow, so it holds plain data only: times are
// ISO-8601 strings, durations are integer milliseconds, and every measured figure carries the
// resolution it was measured at (the probe interval) so no report claims more precision.

export const RESULT_SCHEMA_VERSION = 'firedrill.dev/result/v1';

export type Phase =
  | 'preflight'
  | 'approval'
  | 'baseline'
  | 'inject'
  | 'hold'
  | 'restore'
  | 'failback'
  | 'report'
  | 'done';

/**
 * passed: every objective met. failed: at least one objective missed.
 * inconclusive: none missed, but at least one could not be shown met (no or too little
 * observation, or within the target only by less than its resolution): never a pass.
 * aborted: a guardrail or an operator stopped the drill (restore still ran).
 * refused: stopped before injection (guards, baseline not steady, approval timed out): nothing changed.
 * skipped: a scheduled run inside a blackout window. error: the drill itself failed, or a node
 * it changed was not restored.
 */
export type Outcome = 'passed' | 'failed' | 'inconclusive' | 'aborted' | 'refused' | 'skipped' | 'error';

/** Every outcome, in the order reports list them. */
export const OUTCOMES = ['passed', 'failed', 'inconclusive', 'aborted', 'refused', 'skipped', 'error'] as const satisfies readonly Outcome[];

export interface JournalEntry {
  at: string;
  kind: 'phase' | 'operator' | 'guardrail' | 'info' | 'warning' | 'error';
  message: string;
  /** Who did it, for operator actions (approve, abort). */
  identity?: string;
}

export interface PhaseSpan {
  phase: Phase;
  startedAt: string;
  endedAt?: string;
}

/** A run of identical probe observations: the timeline keeps state changes, not every tick. */
export interface ProbeSegment {
  from: string;
  to: string;
  healthy: boolean;
  /** Observations in this segment. */
  count: number;
  /** Last error seen while failing (redacted, short). */
  error?: string;
}

export interface ProbeTimeline {
  name: string;
  type: 'http' | 'kubernetes' | 'prometheus' | 'rpo' | 'tcp';
  intervalMs: number;
  stableForMs: number;
  /**
   * Longer than this between two observations is a gap in observation: two intervals plus the
   * check's timeout, the longest a live probe loop takes between two checks.
   */
  gapMs?: number;
  segments: ProbeSegment[];
}

/** A stretch of the measured window without any observation of a probe. */
export interface ObservationGap {
  from: string;
  to: string;
  ms: number;
}

/** How much of the measured window (injection start → restore start) a probe actually saw. */
export interface ProbeCoverage {
  windowMs: number;
  /** The window minus its gaps. */
  observedMs: number;
  /** observedMs / windowMs, 0..1 (1 for an empty window). */
  fraction: number;
  observations: number;
  longestGapMs: number;
  gaps: ObservationGap[];
}

export interface ProbeMeasurement {
  probe: string;
  resolutionMs: number;
  /** First failed observation from the start of injection; null when it never failed. */
  detectedAt: string | null;
  /**
   * From the start of injection until healthy and stable for stableFor, fault still in place;
   * null = did not recover, or (with `inconclusive`) nothing was observed.
   */
  rtoMs: number | null;
  impact: boolean;
  recovered: boolean;
  /** From restore until steady again; null = did not return to steady state. */
  failbackMs: number | null;
  /** Absent in results written before coverage was measured. */
  coverage?: ProbeCoverage;
  /** Why this probe's figures cannot be judged (no observation, a gap too long to rule out an outage). */
  inconclusive?: string;
}

export interface RpoMeasurement {
  probe: string;
  resolutionMs: number;
  acknowledged: number;
  missing: number;
  /** Time span of acknowledged writes missing after failover; 0 when none is missing. */
  rpoMs: number | null;
  /** Reads of the markers it took: until two consecutive reads agreed, at most a few. */
  reads?: number;
  /** False when the reads never agreed: what any read returned counted as stored. */
  agreed?: boolean;
}

export interface WorkloadCapacity {
  kind: string;
  namespace: string;
  name: string;
  desired: number;
  readyBefore: number;
  readyInTargetBefore: number;
  /** Ready replicas outside the target at the last observation of the hold; null = never observed. */
  readyOutsideAfter: number | null;
  recovered: boolean;
  /** From the start of injection until desired replicas were ready outside the target; null = not recovered. */
  recoveryMs: number | null;
}

export interface Measurements {
  /** The fault in place on the last target node (drain: cordoned and every pod's first eviction sent). */
  t0: string | null;
  /** The first change to a node: detection, RTO and capacity recovery count from here. */
  injectStartedAt?: string | null;
  /** Drain only: the last eviction answered, or given up (eviction timeout, drill stopped). */
  drainCompletedAt?: string | null;
  /** The end of the measured window: restore started. */
  holdEndedAt?: string | null;
  probes: ProbeMeasurement[];
  rpo: RpoMeasurement[];
  capacity: {
    resolutionMs: number;
    recoveryMs: number | null;
    recovered: boolean;
    workloads: WorkloadCapacity[];
    /**
     * Where capacity had to come back: ready outside the target during the hold (absent), or,
     * for a cluster drill without a standby, ready again in the cluster after restore, counted
     * from the end of restore.
     */
    basis?: 'after-restore';
  } | null;
  failback: { ms: number | null; recovered: boolean; resolutionMs: number } | null;
  errorBudget: { failed: number; total: number; used: number };
}

export type ObjectiveStatus = 'met' | 'missed' | 'inconclusive';

export interface ObjectiveResult {
  type: 'rto' | 'rpo' | 'capacity' | 'errorBudget' | 'failback';
  /** Probe name, absent for overall objectives. */
  probe?: string;
  /** Milliseconds for rto/rpo/capacity, a fraction for errorBudget. */
  target: number;
  measured: number | null;
  unit: 'ms' | 'fraction';
  resolutionMs?: number;
  /** Met only when measured + resolution is within the target; false when missed or inconclusive. */
  met: boolean;
  /** Absent in results written before `inconclusive` existed: read it with objectiveStatus(). */
  status?: ObjectiveStatus;
  /** Why, in words: "not recovered within the hold", "no impact", ... */
  note?: string;
}

export function objectiveStatus(o: Pick<ObjectiveResult, 'met' | 'status'>): ObjectiveStatus {
  return o.status ?? (o.met ? 'met' : 'missed');
}

export interface NodeChange {
  name: string;
  zone?: string;
  /** What this drill did to the node. */
  actions: Array<'cordon' | 'taint'>;
  /** The node was already unschedulable before the drill: it is left so. */
  wasCordoned: boolean;
  restored: boolean;
}

export interface NotEvicted {
  namespace: string;
  pod: string;
  node: string;
  reason: string;
}

export interface PlanWorkload {
  kind: string;
  namespace: string;
  name: string;
  desired: number;
  readyInTarget: number;
  readyOutside: number;
  losesAll: boolean;
}

/** The part of the preflight census a report needs (predicted impact). */
export interface PlanSummary {
  targetNodes: Array<{ name: string; zone?: string; unschedulable: boolean }>;
  clusterNodes: number;
  workloads: PlanWorkload[];
  losesAll: Array<{ kind: string; namespace: string; name: string }>;
  blockingPdbs: Array<{ namespace: string; name: string; reason: string }>;
  zoneBoundVolumes: Array<{ name: string; zone: string; claim?: string; pods: string[] }>;
  pendingAfterMove: string[];
  verdict: { allowed: boolean; reasons: string[] };
  /** The census's warnings (e.g. protected pods a power loss kills); absent in older results. */
  warnings?: string[];
  /** A cluster drill's standby site, as predicted: absent for other drills. */
  standby?: StandbySummary;
}

/** The site meant to take over a cluster drill's load: what stands in for each workload there, and its room. */
export interface StandbySummary {
  context: string;
  server: string;
  /** How counterparts were matched, in words. */
  rule: string;
  counterparts: Array<{ kind: string; namespace: string; name: string; counterpart: string | null }>;
  /** Workloads of the drilled cluster with no counterpart: they exist in one site only. */
  noCounterpart: Array<{ kind: string; namespace: string; name: string }>;
  capacity: { fits: boolean; note: string };
}

/** One approval that counted towards the quorum. */
export interface ApprovalRecord {
  identity: string;
  at: string;
  /** true: an SSH signature by the listed key was checked; false: an unverified identity. */
  verified: boolean;
  fingerprint?: string;
  keyType?: string;
  statement?: string;
  signature?: string;
}

export interface DrillResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  drill: {
    name: string;
    owner: string;
    description?: string;
    specSha256: string;
    /** Human summary, e.g. "zone zone-a (topology.kubernetes.io/zone)". */
    target: string;
    fault: 'cordon' | 'drain' | 'power-loss';
    holdMs: number;
  };
  run: {
    workflowId: string;
    runId: string;
    namespace: string;
    temporalUiUrl?: string;
    startedAt: string;
    endedAt: string;
    firedrillVersion: string;
    cluster?: {
      context?: string;
      server?: string;
      /** Where capacity recovery was counted for workloads with a counterpart (a cluster drill's standby). */
      standby?: { context: string; server: string };
      /** Where the worker ran: it must be outside the target. workerInTarget null = it named no node (e.g. a host outside the clusters). */
      orchestrator?: { host: string; workerNode?: string; workerInTarget: boolean | null };
    };
    trigger: 'manual' | 'schedule' | 'gameday';
  };
  outcome: Outcome;
  outcomeReason: string;
  phases: PhaseSpan[];
  journal: JournalEntry[];
  approval: {
    required: boolean;
    approvedBy?: string;
    approvedAt?: string;
    refused: Array<{ identity: string; at: string; reason: string }>;
    /** Distinct approvers needed (absent: runs recorded before quorums, 1). */
    quorum?: number;
    /** Who started the run, as their start claimed it. */
    startedBy?: string;
    /** Each approval that counted: verified ones carry the key and what was signed. */
    approvals?: ApprovalRecord[];
  };
  plan: PlanSummary | null;
  injection: {
    t0: string | null;
    /** The first change to a node. */
    injectStartedAt?: string;
    /** Drain only: when the drain finished (everything evicted, or given up). */
    drainCompletedAt?: string;
    /** Injection was stopped before it finished (timing.maxDuration, a guardrail, an abort). */
    stopped?: boolean;
    nodes: NodeChange[];
    evicted: number;
    notEvicted: NotEvicted[];
    apiRetries: number;
  } | null;
  probes: ProbeTimeline[];
  measurements: Measurements;
  objectives: ObjectiveResult[];
  /** Workloads and probes that did not fail over: the "unfinished bridge". */
  notFailedOver: Array<{ kind: string; name: string; reason: string }>;
  restore: {
    startedAt: string;
    endedAt: string;
    nodes: Array<{ name: string; restored: boolean; note?: string }>;
    /** Time restore's calls to the Kubernetes API spent failing (unreachable, throttled, erroring). */
    blockedMs: number;
    /** Kubernetes API calls restore retried (also counted in injection.apiRetries). */
    apiRetries?: number;
    /** Attempts the restore activity needed (1 = it succeeded at once). */
    attempts?: number;
  } | null;
  /** sha256 of this document serialised without the evidence field (see report/evidence.ts). */
  evidence?: {
    resultSha256: string;
    /** The recorded hash of the drill's previous stored result (null: the first); absent on results written before the chain. */
    previousResultSha256?: string | null;
    /** With FIREDRILL_SIGNING_KEY: ed25519 over resultSha256 and previousResultSha256 (see report/evidence.ts). */
    signature?: { algorithm: 'ed25519'; keyFingerprint: string; value: string };
  };
}
