import * as k8s from '@kubernetes/client-node';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { FIREDRILL_VERSION } from '../client/version.js';
import type { DrillResult } from '../report/result.js';
import { scheduledDrillWorkflowType, type ScheduledDrillInput } from '../workflows/contract.js';
import { sleep } from '../activities/kube/retry.js';
import { protoSize } from './drills.js';
import { benchDrillYaml, httpProbe, parseSpec } from './spec.js';
import { percentile, taskLatency, type HistoryEvent } from './fleet-figures.js';

// The fleet's drills: one per node pool (a label on a few nodes of the shared cluster), five
// http probes at 1 s each, a cordon; and one more drill a Temporal Schedule fires mid-round.

export const POOL_LABEL = 'firedrill.dev/fleet-pool';
/** The pool of the scheduled drill, apart from the N manual ones. */
export const SCHEDULED_POOL = 'scheduled';

export interface PoolDrill {
  pool: string;
  holdSeconds: number;
  probeBaseUrl: string;
}

export function fleetDrillYaml(d: PoolDrill, name: string): string {
  // stableFor 0: five probes started together must not race the baseline (see benchHistory).
  return benchDrillYaml({
    name, target: `{ type: nodes, selector: "${POOL_LABEL}=${d.pool}" }`, fault: '{ mode: cordon }',
    // Generous: a drill that overran it would be aborted, and the round would measure the abort.
    timing: `{ hold: ${d.holdSeconds}s, maxDuration: ${d.holdSeconds + 900}s }`,
    probes: Array.from({ length: 5 }, (_, j) => httpProbe(`p${j}`, `${d.probeBaseUrl}${d.pool}/p${j}`, '1s', '0s')),
  });
}

/** Labels `perPool` nodes per pool, pools 0..count-1 then the scheduled pool; clears the label elsewhere. */
export async function labelPools(kc: k8s.KubeConfig, count: number, perPool: number): Promise<Map<string, string[]>> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (await core.listNode({})).items.map((n) => n.metadata?.name ?? '').filter(Boolean).sort();
  const pools = [...Array.from({ length: count }, (_, i) => String(i)), SCHEDULED_POOL];
  if (nodes.length < pools.length * perPool) throw new Error(`${pools.length} pools of ${perPool} nodes need ${pools.length * perPool} nodes; the cluster has ${nodes.length}`);
  const out = new Map<string, string[]>();
  const want = new Map<string, string | null>(nodes.map((n) => [n, null]));
  pools.forEach((p, i) => {
    const members = nodes.slice(i * perPool, (i + 1) * perPool);
    out.set(p, members);
    for (const n of members) want.set(n, p);
  });
  const limit = pLimit(20);
  await Promise.all([...want].map(([name, pool]) => limit(() => core.patchNode({ name, body: { metadata: { labels: { [POOL_LABEL]: pool } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)))));
  return out;
}

export async function clearPools(kc: k8s.KubeConfig): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (await core.listNode({ labelSelector: POOL_LABEL })).items.map((n) => n.metadata?.name ?? '');
  const limit = pLimit(20);
  await Promise.all(nodes.map((name) => limit(() => core.patchNode({ name, body: { metadata: { labels: { [POOL_LABEL]: null } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)))));
}

export interface DrillFigures {
  workflowId: string;
  outcome: string;
  outcomeReason: string;
  events: number;
  historyProtoBytes: number | null;
  historyJsonBytes: number;
  workflowTaskMs: number[];
  activityTaskMs: number[];
  /** Worst probe coverage of the hold, and the longest gap between two observations. */
  coverage: number | null;
  longestGapMs: number | null;
  observations: number;
  /** When the history began, and its first workflow task started (epoch ms). */
  firstEventMs: number | null;
  firstWorkflowTaskStartedMs: number | null;
  firstActivityStartedMs: number | null;
}

/** A finished drill's history (events, bytes, task latencies) and its probes' coverage. */
export async function drillFigures(client: Client, workflowId: string, result: DrillResult): Promise<DrillFigures> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = (history.events ?? []) as HistoryEvent[];
  const lat = taskLatency(events);
  const cov = result.measurements.probes.map((p) => p.coverage).filter((c) => c !== undefined);
  return {
    workflowId,
    outcome: result.outcome,
    outcomeReason: result.outcomeReason,
    events: events.length,
    historyProtoBytes: await protoSize(history),
    historyJsonBytes: Buffer.byteLength(JSON.stringify(history)),
    workflowTaskMs: lat.workflowTaskMs,
    activityTaskMs: lat.activityTaskMs,
    coverage: cov.length ? Math.min(...cov.map((c) => c.fraction)) : null,
    longestGapMs: cov.length ? Math.max(...cov.map((c) => c.longestGapMs)) : null,
    observations: cov.reduce((n, c) => n + c.observations, 0),
    firstEventMs: lat.firstEventMs,
    firstWorkflowTaskStartedMs: lat.firstWorkflowTaskStartedMs,
    firstActivityStartedMs: lat.firstActivityStartedMs,
  };
}

export interface ScheduleFire {
  scheduleId: string;
  scheduledAt: string;
  /** The schedule took its action (started the scheduled workflow) this long after the scheduled time. */
  takenLateMs: number;
  /** The scheduled workflow's first workflow task started, after the scheduled time. */
  workflowStartedLateMs: number | null;
  /** The drill it starts (its child) had its first workflow task started, after the scheduled time. */
  drillStartedLateMs: number | null;
  /** Its first activity (preflight) started, after the scheduled time: waiting for a worker's activity slot shows here. */
  drillFirstActivityLateMs: number | null;
  drill: DrillFigures | null;
}

/**
 * A schedule that fires once, `inMs` from now, the drill on the scheduled pool, the way
 * `schedule sync` makes them (scheduledDrillWorkflow, overlap SKIP); returns when it fired.
 */
export async function scheduleOnce(client: Client, taskQueue: string, yaml: string, name: string, inMs: number) {
  const { spec, sha256 } = parseSpec(yaml, name);
  const at = new Date(Math.ceil((Date.now() + inMs) / 1000) * 1000);
  const scheduleId = `fleet-schedule-${at.getTime()}`;
  const input: ScheduledDrillInput = { spec, specSha256: sha256, firedrillVersion: FIREDRILL_VERSION };
  // An interval of a day whose offset is the chosen second, bounded to that second: one fire.
  const dayMs = 86_400_000;
  const handle = await client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: dayMs, offset: at.getTime() % dayMs }], startAt: new Date(at.getTime() - 1000), endAt: new Date(at.getTime() + 1000) },
    action: { type: 'startWorkflow', workflowType: scheduledDrillWorkflowType, taskQueue, workflowId: `${name}-scheduled`, args: [input] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
  });
  return {
    scheduleId,
    at,
    /** Waits for the fire and the scheduled drill's end; then measures and deletes the schedule. */
    async finish(timeoutMs: number): Promise<ScheduleFire> {
      const deadline = Date.now() + timeoutMs;
      let action;
      while (!action) {
        action = (await handle.describe()).info.recentActions[0];
        if (!action) {
          if (Date.now() > deadline) throw new Error(`schedule ${scheduleId} did not fire by ${new Date(deadline).toISOString()} (due ${at.toISOString()})`);
          await sleep(500);
        }
      }
      const wfId = action.action.workflow.workflowId;
      const result = (await client.workflow.getHandle(wfId).result()) as DrillResult;
      const parent = taskLatency((await client.workflow.getHandle(wfId).fetchHistory()).events as HistoryEvent[] ?? []);
      const drill = await drillFigures(client, `${wfId}-drill`, result).catch(() => null);
      await handle.delete();
      const scheduled = action.scheduledAt.getTime();
      return {
        scheduleId,
        scheduledAt: action.scheduledAt.toISOString(),
        takenLateMs: action.takenAt.getTime() - scheduled,
        workflowStartedLateMs: parent.firstWorkflowTaskStartedMs === null ? null : parent.firstWorkflowTaskStartedMs - scheduled,
        drillStartedLateMs: drill?.firstWorkflowTaskStartedMs == null ? null : drill.firstWorkflowTaskStartedMs - scheduled,
        drillFirstActivityLateMs: drill?.firstActivityStartedMs == null ? null : drill.firstActivityStartedMs - scheduled,
        drill,
      };
    },
  };
}

export function latencySummary(ms: readonly number[]) {
  return { count: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95), max: ms.length ? Math.max(...ms) : null };
}
