// The Temporal boundary, in one place: workflow type names with their input and result types,
// every signal and query, the search attributes and the one function that builds their values,
// and the drill's phase order. Clients (client/, bench/, tests) import this module and nothing
// else from workflows/: it holds definitions and types only, no workflow logic.
import { defineSearchAttributeKey, SearchAttributeType, type Workflow } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DrillSpec } from '../drills/schema/index.js';
import { describeTarget } from '../drills/target-label.js';
import type { GameDayDrillSummary, GameDayResult } from '../report/gameday-result.js';
import type { DrillResult, JournalEntry, Phase, ProbeSegment } from '../report/result.js';

// ---------------------------------------------------------------------------------------------
// Workflow types. A reference is the type's name typed as its function, so a client call such as
// `client.workflow.start(drillWorkflowType, { args: [input] })` checks its arguments and result
// without importing workflow code (the SDK accepts a name where it accepts a function).

function workflowType<F extends Workflow>(name: string): F {
  return name as unknown as F;
}

export type DrillWorkflow = (input: DrillInput) => Promise<DrillResult>;
export type GameDayWorkflow = (input: GameDayInput) => Promise<GameDayResult>;
export type ScheduledDrillWorkflow = (input: ScheduledDrillInput) => Promise<DrillResult>;
export type JanitorWorkflow = (input?: JanitorInput) => Promise<JanitorReport>;

/** The names the worker registers (the exports of workflows/index.ts); a unit test keeps them equal. */
export const WORKFLOW_NAMES = {
  drill: 'drillWorkflow',
  gameDay: 'gameDayWorkflow',
  scheduledDrill: 'scheduledDrillWorkflow',
  janitor: 'janitorWorkflow',
} as const;

export const drillWorkflowType = workflowType<DrillWorkflow>(WORKFLOW_NAMES.drill);
export const gameDayWorkflowType = workflowType<GameDayWorkflow>(WORKFLOW_NAMES.gameDay);
export const scheduledDrillWorkflowType = workflowType<ScheduledDrillWorkflow>(WORKFLOW_NAMES.scheduledDrill);
export const janitorWorkflowType = workflowType<JanitorWorkflow>(WORKFLOW_NAMES.janitor);

// ---------------------------------------------------------------------------------------------
// Inputs and results.

export interface DrillInput {
  spec: DrillSpec;
  specSha256: string;
  trigger: DrillResult['run']['trigger'];
  firedrillVersion: string;
  /** Approved up front (`run --approve`), with the identity that approved. */
  approvedBy?: string;
  /** Who started the run (FIREDRILL_IDENTITY): with listed approvers they cannot approve it themselves. */
  startedBy?: string;
  temporalUiUrl?: string;
}

export interface GameDayInput {
  day: {
    name: string;
    owner: string;
    description?: string;
    sha256: string;
    approval: { required: boolean; timeout: number; approvers?: string[] };
  };
  drills: Array<{ file: string; spec: DrillSpec; specSha256: string; pauseAfterMs?: number }>;
  firedrillVersion: string;
  /** Approved up front (`run --approve`); checked like a signal. */
  approvedBy?: string;
  temporalUiUrl?: string;
  outDir?: string;
}

export interface ScheduledDrillInput {
  spec: DrillSpec;
  specSha256: string;
  firedrillVersion: string;
  temporalUiUrl?: string;
}

export interface JanitorInput {
  dryRun?: boolean;
  /** Sweep only this kube context. */
  context?: string;
  /**
   * Without `context`: true (the default, and the schedule's) sweeps the default context and
   * every context a drill of the synced catalog names; false only the default context.
   */
  allContexts?: boolean;
  /** Run ids an operator checked: their marks are restored as they read, owned or not, verified or not. */
  runs?: string[];
}

export interface JanitorRun {
  workflowId: string;
  runId: string;
  nodes: string[];
  /** The kube context swept (absent: the default context). */
  context?: string;
}

export interface JanitorReport {
  checkedRuns: number;
  restored: Array<JanitorRun & {
    /** closed: its run is no longer running; deadline: past its restore-by, running or not; requested: `--run`. */
    why?: 'closed' | 'deadline' | 'requested';
    restoreBy?: string;
    /** Past the deadline with its run still open: the run was told (deadlineRestoreSignal). */
    signalled?: boolean;
  }>;
  /** Marked by runs that are still running: their own restore will handle them. */
  leftToOpenRuns: JanitorRun[];
  /** Marked by another installation (Temporal namespace, task queue or cluster) and not past their deadline. */
  otherOwners?: Array<JanitorRun & { owner: { namespace: string; taskQueue: string; cluster: string }; restoreBy?: string }>;
  /** Marks that do not verify (missing or malformed owner, workflow id or deadline; edited): left alone, with why. */
  problems?: Array<{ node: string; runId: string; workflowId: string; reason: string; context?: string }>;
  /** Edits that did not stop a restore (a removed run label). */
  notes?: Array<{ node: string; runId: string; reason: string; context?: string }>;
  /** Contexts swept ('' is the default context), and those that could not be read. */
  contexts?: string[];
  contextErrors?: Array<{ context: string; error: string }>;
  dryRun: boolean;
}

export type { DrillResult, GameDayResult, GameDayDrillSummary };

// ---------------------------------------------------------------------------------------------
// Signals and queries. Drills, game days and scheduled runs all answer `approve`, `abort` and
// `status`, so an operator can address any of them by run id.

export interface ApproveSignal {
  identity: string;
  /** An armored SSH signature (`ssh-keygen -Y sign -n firedrill-approval`) of the run's approval statement. */
  signature?: string;
}
export interface AbortSignal { identity: string; reason: string }

export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const abortSignal = defineSignal<[AbortSignal]>('abort');

/** A janitor restored the drill's marks past their restore-by deadline (the dead-man switch). */
export interface DeadlineRestoreSignal {
  janitorWorkflowId: string;
  restoreBy: string;
  nodes: string[];
  at: string;
}
export const deadlineRestoreSignal = defineSignal<[DeadlineRestoreSignal]>('deadlineRestore');

/** The drill's phases in order, as its status query reports them. */
export const DRILL_PHASES = ['starting', 'preflight', 'approval', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done'] as const satisfies ReadonlyArray<Phase | 'starting'>;
export type DrillPhase = (typeof DRILL_PHASES)[number];

/** One probe's observations in a finished phase, as the probes' activity returns them. */
export interface ObservedProbe { name: string; segments: ProbeSegment[]; failed: number; total: number }

export interface DrillStatus {
  kind?: 'drill';
  phase: DrillPhase;
  startedAt: string;
  approvedBy?: string;
  /** What an approver signs and how many must: present on runs that record signed approvals. */
  approval?: { statement: string; quorum: number; signed: boolean; approvers?: string[]; approvedBy: string[]; startedBy?: string };
  aborted?: AbortSignal;
  t0: string | null;
  journal: JournalEntry[];
  /** Probe timelines of the phases finished so far (live ones are in the activity heartbeat). */
  probes: ObservedProbe[];
  restored?: { done: number; total: number };
  result?: DrillResult;
}

export interface GameDayStatus {
  kind: 'gameday';
  day: string;
  phase: 'starting' | 'approval' | 'drill' | 'pause' | 'report' | 'done';
  startedAt: string;
  approvedBy?: string;
  aborted?: AbortSignal;
  current?: { index: number; name: string; workflowId: string };
  drills: GameDayDrillSummary[];
  journal: JournalEntry[];
  result?: GameDayResult;
}

export interface ScheduledStatus {
  kind: 'scheduled';
  drill: string;
  phase: 'checking' | 'skipped' | 'running' | 'done';
  childWorkflowId?: string;
  result?: DrillResult;
}

export const statusQuery = defineQuery<DrillStatus>('status');
export const gameDayStatusQuery = defineQuery<GameDayStatus>('status');
export const scheduledStatusQuery = defineQuery<ScheduledStatus>('status');
/** For a caller that does not know which kind of run it asks (follow, status). */
export const anyStatusQuery = defineQuery<DrillStatus | GameDayStatus | ScheduledStatus>('status');

// ---------------------------------------------------------------------------------------------
// Search attributes: every drill run (manual, scheduled child, game-day child) carries them, so
// a second run of the same drill on the same target is found and refused.

export const DRILL_SA = defineSearchAttributeKey('FiredrillDrill', SearchAttributeType.KEYWORD);
export const TARGET_SA = defineSearchAttributeKey('FiredrillTarget', SearchAttributeType.KEYWORD);

/** The search attribute values of a run of `spec`, the only place they are built. */
export function drillSearchAttributes(spec: Pick<DrillSpec, 'metadata' | 'target'>) {
  return [
    { key: DRILL_SA, value: spec.metadata.name },
    // Quotes cannot appear in a visibility query's string literal.
    { key: TARGET_SA, value: describeTarget(spec).replace(/'/g, '') },
  ];
}

/** The visibility query for running drills of `spec` on its target. */
export function openDrillRunsQuery(spec: Pick<DrillSpec, 'metadata' | 'target'>): string {
  const [drill, target] = drillSearchAttributes(spec);
  return `WorkflowType = '${WORKFLOW_NAMES.drill}' AND ExecutionStatus = 'Running' AND ${DRILL_SA.name} = '${drill?.value.replace(/'/g, '')}' AND ${TARGET_SA.name} = '${target?.value}'`;
}
