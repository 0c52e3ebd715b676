import os from 'node:os';
import type * as k8s from '@kubernetes/client-node';
import type { DrillSpec, WorkloadRef } from '../drills/schema/index.js';
import type { DrillResult, PlanSummary } from '../report/result.js';
import { signingKeyFrom } from '../report/evidence.js';
import { writeReports, type ReportFormat } from '../report/write.js';
import { storeKeyProblem } from '../report/store-key.js';
import { storeOf, type ReportStore } from '../report/store.js';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { accessError, forbiddenFailure, missingAccess, requiredAccess } from './census/access.js';
import { KubeConfigError, PermissionError, planDrill, toPlanSummary } from './census/index.js';
import { createInjectFault, type InjectInput } from './faults/inject.js';
import { createFaultJoiningNodes, type FaultJoiningInput } from './faults/new-nodes.js';
import { createListMarkedRuns, createRestoreNodes, createScanMarks, type RestoreInput } from './faults/restore.js';
import { catalogContexts } from './janitor-contexts.js';
import type { ActivityDeps } from './deps.js';
import { verifyApproval, type VerifyApprovalInput, type VerifyApprovalResult } from './approvals.js';
import { createGameDayActivities } from './gameday-report.js';
import { withHeartbeat } from './heartbeat.js';
import { createLeaseActivities } from './lease.js';
import { createNotifier, type NotifyEvent } from './notify.js';
import { checkPolicy, loadPolicy, type PolicyViolation } from './policy.js';
import { createObserve, type ObserveInput } from './probes/observe.js';

// Every side effect of a drill lives here, built from injected dependencies (the worker is the
// one place that creates real clients). Activities carry out; the workflow decides.

export interface PreflightResult {
  summary: PlanSummary;
  targetNodes: string[];
  /**
   * Workloads with ready replicas in the target: their capacity recovery is measured. With a
   * standby, a workload's counterpart there is watched instead (`context` names the standby).
   */
  watched: Array<WorkloadRef & { context?: string }>;
  cluster: { server?: string; context?: string; standby?: { context: string; server: string }; orchestrator?: Orchestrator };
}

/** Where the drill's own machinery ran: it must be outside the target to restore it. */
export interface Orchestrator {
  /** The worker's host name (a pod name when it runs in a cluster). */
  host: string;
  /** FIREDRILL_NODE_NAME: the node the worker runs on, when it runs in a cluster. */
  workerNode?: string;
  /** Whether that node is in the target; null when the worker names no node (e.g. it runs on a host outside the clusters). */
  workerInTarget: boolean | null;
}

/** Workloads with ready replicas in the target: their capacity recovery is measured. */
function watchedOf(plan: Awaited<ReturnType<typeof planDrill>>): WorkloadRef[] {
  return plan.workloads
    .filter((w) => w.kind !== 'DaemonSet' && w.readyInTarget > 0)
    .map((w) => ({ kind: w.kind, namespace: w.namespace, name: w.name }) as WorkloadRef);
}

/** The site that takes over is where capacity must come back: counterparts are watched in the standby. */
function watchedWhere(plan: Awaited<ReturnType<typeof planDrill>>): PreflightResult['watched'] {
  const s = plan.standby;
  if (!s) return watchedOf(plan);
  const counterpart = new Map(s.workloads.map((w) => [`${w.kind}/${w.namespace}/${w.name}`, w.counterpart]));
  return watchedOf(plan).map((w) => {
    const c = counterpart.get(`${w.kind}/${w.namespace}/${w.name}`);
    return c ? { kind: c.kind, namespace: c.namespace, name: c.name, context: s.context } as WorkloadRef & { context: string } : w;
  });
}

/** The workflow id of the running activity, for log lines; undefined outside an activity. */
function activityWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined;
  }
}

export function createActivities(deps: ActivityDeps) {
  const notifier = createNotifier({ env: deps.env ?? process.env, log: deps.log, fetch: deps.fetch });
  return {
    async preflight(input: { spec: DrillSpec }): Promise<PreflightResult> {
      return withHeartbeat(async () => {
        let policy: ReturnType<typeof loadPolicy>;
        try {
          policy = loadPolicy(deps.env ?? process.env);
        } catch (err) {
          throw ApplicationFailure.nonRetryable((err as Error).message, 'PolicyError');
        }
        // The worker's policy first: a spec that breaks it reaches no cluster at all.
        const broken = checkPolicy(input.spec, policy);
        if (broken.length) return policyRefusal(input.spec, broken, policy.source, deps.log);
        let kc: k8s.KubeConfig;
        let plan: Awaited<ReturnType<typeof planDrill>>;
        try {
          kc = deps.kubeFor(input.spec.target.context);
          plan = await planDrill(input.spec, kc, { workerNode: deps.workerNode });
          const share = checkPolicy(input.spec, policy, { targetNodes: plan.target.nodes.length, clusterNodes: plan.target.clusterNodes });
          if (share.length) plan = { ...plan, verdict: { allowed: false, reasons: [...share.map((v) => policyReason(v, policy.source)), ...plan.verdict.reasons] } };
          if (plan.verdict.allowed) {
            const reads = [
              ...input.spec.probes.flatMap((p) => (p.type === 'kubernetes' ? [p.workload] : [])),
              ...watchedOf(plan),
            ];
            const missing = await missingAccess(kc, requiredAccess(input.spec.fault.mode, reads));
            if (missing === undefined) deps.log.warn({ drill: input.spec.metadata.name }, 'the API server did not answer whether the drill\'s permissions are granted; not checked before injection');
            else if (missing.length) throw accessError(missing, kc.getCurrentContext());
          }
        } catch (err) {
          // Retrying cannot grant a permission or invent a context: fail the drill at once.
          if (err instanceof PermissionError || err instanceof KubeConfigError) throw ApplicationFailure.nonRetryable(err.message, err.name);
          if (err instanceof Error && /kube context .* not found/.test(err.message)) throw ApplicationFailure.nonRetryable(err.message, 'KubeConfigError');
          throw err;
        }
        const server = kc.getCurrentCluster()?.server;
        const targetNodes = plan.target.nodes.map((n) => n.name);
        // One line per drill at each turn an operator reading the worker's log cares about.
        deps.log.info({
          drill: input.spec.metadata.name, workflowId: activityWorkflowId(), apiServer: server, context: input.spec.target.context,
          target: plan.target.description, fault: input.spec.fault.mode, nodes: targetNodes.length, allowed: plan.verdict.allowed,
        }, plan.verdict.allowed
          ? `drill ${input.spec.metadata.name}: may change ${targetNodes.length} node(s) of ${plan.target.description} on ${server ?? 'the default cluster'} (${input.spec.fault.mode})`
          : `drill ${input.spec.metadata.name}: refused by its guards, nothing will be changed`);
        return {
          summary: toPlanSummary(plan),
          targetNodes,
          watched: watchedWhere(plan),
          cluster: {
            // The context the drill names, else the one the worker's kubeconfig has current.
            server, context: input.spec.target.context ?? kc.getCurrentContext(),
            ...(plan.standby ? { standby: { context: plan.standby.context, server: plan.standby.server } } : {}),
            orchestrator: { host: os.hostname(), ...(deps.workerNode ? { workerNode: deps.workerNode } : {}), workerInTarget: plan.placement.worker.inside },
          },
        };
      });
    },

    async injectFault(input: InjectInput & { context?: string }): ReturnType<ReturnType<typeof createInjectFault>> {
      try {
        return await createInjectFault(deps.kubeFor(input.context))(input);
      } catch (err) {
        // Preflight checked the permissions; a 403 now means they were taken away meanwhile.
        throw forbiddenFailure(err, `injecting ${input.mode}`) ?? err;
      }
    },

    async faultJoiningNodes(input: FaultJoiningInput & { context?: string }): ReturnType<ReturnType<typeof createFaultJoiningNodes>> {
      try {
        return await createFaultJoiningNodes(deps.kubeFor(input.context))(input);
      } catch (err) {
        throw forbiddenFailure(err, `faulting nodes that joined the target (${input.mode})`) ?? err;
      }
    },

    async observe(input: ObserveInput & { context?: string }): ReturnType<ReturnType<typeof createObserve>> {
      return createObserve({ kc: deps.kubeFor(input.context), kubeFor: deps.kubeFor, fetch: deps.fetch })(input);
    },

    async restoreNodes(input: RestoreInput & { context?: string }): ReturnType<ReturnType<typeof createRestoreNodes>> {
      return createRestoreNodes(deps.kubeFor(input.context))(input);
    },

    async listMarkedRuns(input: { context?: string } = {}): ReturnType<ReturnType<typeof createListMarkedRuns>> {
      return createListMarkedRuns(deps.kubeFor(input.context))();
    },

    /** Every mark in one kube context, grouped by run, with the cluster's identity (janitor). */
    async scanMarks(input: { context?: string } = {}): ReturnType<ReturnType<typeof createScanMarks>> {
      return withHeartbeat(() => createScanMarks(deps.kubeFor(input.context))());
    },

    /**
     * The kube contexts the janitor sweeps: the default one (null) and every context a drill of
     * the synced catalog (this task queue's schedules) names.
     */
    async janitorContexts(): Promise<Array<string | null>> {
      if (!deps.temporal) throw new Error('the janitor needs a Temporal client');
      return catalogContexts(deps.temporal, Context.current().info.taskQueue);
    },

    /** True while the workflow run that marked nodes can still restore them itself. */
    async isRunOpen(input: { workflowId: string; runId: string }): Promise<boolean> {
      if (!deps.temporal) throw new Error('the janitor needs a Temporal client');
      try {
        const d = await deps.temporal.workflow.getHandle(input.workflowId, input.runId).describe();
        return d.status.name === 'RUNNING';
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') return false;
        throw err;
      }
    },

    async writeReport(input: { result: DrillResult; formats: ReportFormat[]; outDir?: string }): Promise<{ dir: string; files: string[]; warnings: string[] }> {
      return withHeartbeat(async () => {
        let signingKey;
        try {
          signingKey = signingKeyFrom(deps.env ?? process.env);
        } catch (err) {
          throw ApplicationFailure.nonRetryable((err as Error).message, 'SigningKeyError');
        }
        // The schema refuses a bad outDir; a hand-made start may still send one: the report is
        // then kept at the store's root rather than lost, and the log says why.
        const problem = input.outDir === undefined ? undefined : storeKeyProblem(input.outDir);
        if (problem) deps.log.warn({ drill: input.result.drill.name, outDir: input.outDir }, `report.outDir ${problem}; writing at the report store's root`);
        const prefix = problem ? undefined : input.outDir;
        const out = await writeReports(input.result, {
          outDir: reportStoreOf(deps), ...(prefix ? { prefix } : {}), formats: input.formats, ...(signingKey ? { signingKey } : {}),
        });
        const r = input.result;
        deps.log.info({ drill: r.drill.name, workflowId: r.run.workflowId, outcome: r.outcome, reason: r.outcomeReason, dir: out.dir },
          `drill ${r.drill.name}: ${r.outcome} (${r.outcomeReason}); report in ${out.dir}`);
        for (const w of out.warnings) deps.log.warn({ drill: input.result.drill.name }, w);
        return out;
      });
    },

    /** A signed approval: does the signature hold over the statement, and by which listed approver? */
    async verifyApproval(input: VerifyApprovalInput): Promise<VerifyApprovalResult> {
      return verifyApproval(input);
    },

    async notify(event: NotifyEvent): Promise<void> {
      await notifier.notify(event);
    },

    ...createGameDayActivities(deps),
    ...createLeaseActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps.js';
export type { InjectInput, InjectResult } from './faults/inject.js';
export type { FaultJoiningInput, FaultJoiningResult } from './faults/new-nodes.js';
export type { RestoreResult, MarkedRun, MarkScan, MarkProblem, RestoreInput } from './faults/restore.js';
export type { ObserveInput, ObserveResult, RpoReadback } from './probes/observe.js';
export type { LeaseInput, LeaseResult } from './lease.js';

/** The worker's report store: the one it was given, else the directory store (./reports by default). */
export function reportStoreOf(deps: Pick<ActivityDeps, 'reportStore' | 'reportDir'>): ReportStore {
  return deps.reportStore ?? storeOf(deps.reportDir ?? 'reports');
}

function policyReason(v: PolicyViolation, source: string): string {
  return `worker policy ${v.rule} (${source}): ${v.message}`;
}

/** A preflight that refuses on the worker's policy alone: no cluster was read, nothing changes. */
function policyRefusal(spec: DrillSpec, broken: PolicyViolation[], source: string, log: ActivityDeps['log']): PreflightResult {
  const reasons = broken.map((v) => policyReason(v, source));
  log.warn({ drill: spec.metadata.name, rules: broken.map((v) => v.rule) }, `drill ${spec.metadata.name}: refused by the worker's policy: ${reasons.join('; ')}`);
  return {
    summary: { targetNodes: [], clusterNodes: 0, workloads: [], losesAll: [], blockingPdbs: [], zoneBoundVolumes: [], pendingAfterMove: [], verdict: { allowed: false, reasons } },
    targetNodes: [],
    watched: [],
    cluster: { ...(spec.target.context ? { context: spec.target.context } : {}) },
  };
}
