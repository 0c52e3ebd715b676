import { Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { selectTarget } from '../census/target.js';
import { toNode } from '../census/convert.js';
import type { DrillSpec } from '../../drills/schema/index.js';
import { blockedMsOf, type RetryCounter } from '../kube/retry.js';
import { readMark, type MarkOwner } from './marks.js';
import {
  clusterIdentity, hasMark, listAllNodes, listMarkedNodes, listNodesWithMarks, restoreNode, type ChangedNode, type RestoreOutcome,
} from './nodes.js';

export interface RestoreInput {
  runId: string;
  concurrency?: number;
  /** The workflow's own record of the nodes it changed (name, UID, actions, prior cordon). */
  changed?: ChangedNode[];
  /** The drill's target and the nodes preflight found in it: nodes that joined since are reported. */
  target?: DrillSpec['target'];
  planned?: string[];
  /** Restore these marks as they read even if they do not verify (`firedrill janitor --run`). */
  trustMarks?: boolean;
  /** Nodes a janitor restored at the restore-by deadline (its signal said so): found unmarked, that is why. */
  restoredByJanitor?: string[];
}

export interface RestoreResult {
  nodes: RestoreOutcome[];
  /**
   * Time restore spent failing: earlier attempts of this activity (each one failed) plus, in the
   * attempt that succeeded, the time its API calls kept failing before an answer came.
   */
  blockedMs: number;
  apiRetries: number;
  /** The activity attempt that succeeded (1 = first). */
  attempt?: number;
  /** Nodes in the target now that preflight did not find there: the drill did not change them. */
  newNodes?: string[];
}

/** Node patches in flight during restore: a whole zone's power comes back at once, well under the API server's in-flight limit. */
const RESTORE_CONCURRENCY = 100;

interface Progress {
  done: number;
  total: number;
  /** Nodes restored by earlier attempts: a retry no longer finds their marks. */
  nodes: RestoreOutcome[];
  apiRetries: number;
}

/**
 * Restores every node this run changed. It finds them by the run label, by the run-id annotation
 * (a removed label does not strand a node) and from the workflow's own record, so neither a
 * crash between patch and record nor an edited label leaves a node behind. Failures are thrown:
 * the workflow retries this activity until it succeeds.
 */
export function createRestoreNodes(kc: k8s.KubeConfig) {
  return async function restoreNodes(input: RestoreInput): Promise<RestoreResult> {
    const ctx = Context.current();
    const prior = ctx.info.heartbeatDetails as Partial<Progress> | undefined;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: prior?.apiRetries ?? 0 };
    const done: RestoreOutcome[] = [...(prior?.nodes ?? [])];
    let total = done.length;
    const beat = () => ctx.heartbeat({ done: done.length, total, nodes: done, apiRetries: counter.retries } satisfies Progress);
    // Beat from the start: listing may itself wait out an unreachable API server.
    beat();
    const timer = setInterval(beat, 1000);
    try {
      // One list of every node: a mark is found by its label or, if the label was removed, by
      // its run-id annotation; the same list tells which nodes joined the target since preflight.
      const everyNode = await listAllNodes(core, counter);
      const all = everyNode.filter((n) => hasMark(n, input.runId));
      const inTarget = input.target && input.planned ? joinedTarget(everyNode, input.target, input.planned) : undefined;
      everyNode.length = 0; // the rest of the list is not needed past here
      const records = new Map((input.changed ?? []).filter((c) => c.actions.length > 0).map((c) => [c.name, c]));
      const byJanitor = new Set(input.restoredByJanitor ?? []);
      const names = [...new Set(all.map((n) => n.metadata?.name ?? '').concat([...records.keys(), ...byJanitor]))]
        .filter((n) => n && !done.some((d) => d.name === n && d.restored));
      total = done.length + names.length;
      // The lists just read are the nodes' state: each node is patched against it (one request), re-read only on a conflict.
      const listed = new Map(all.map((n) => [n.metadata?.name ?? '', n]));
      const limit = pLimit(input.concurrency ?? RESTORE_CONCURRENCY);
      await Promise.all(names.map((name) => limit(async () => {
        const record = records.get(name);
        const known = listed.get(name);
        let out = await restoreNode(core, name, input.runId, counter, {
          ...(record ? { record } : {}), ...(input.trustMarks ? { trustMarks: true } : {}), ...(known ? { known } : {}),
        });
        if (byJanitor.has(name) && out.restored && out.note === 'no change of this run on the node') out = { name, restored: true, note: 'restored by the janitor at the restore-by deadline' };
        const i = done.findIndex((d) => d.name === out.name);
        if (i >= 0) done[i] = out;
        else done.push(out);
        beat();
      })));
      // Nodes this run changed are not "new": with fault.includeNewNodes the joined ones were faulted.
      const changedHere = new Set([...done.map((d) => d.name), ...names]);
      const newNodes = inTarget?.filter((n) => !changedHere.has(n));
      const earlierAttempts = Math.max(0, ctx.info.currentAttemptScheduledTimestampMs - ctx.info.scheduledTimestampMs);
      return {
        nodes: [...done].sort((a, b) => a.name.localeCompare(b.name)),
        blockedMs: earlierAttempts + blockedMsOf(counter), apiRetries: counter.retries, attempt: ctx.info.attempt,
        ...(newNodes?.length ? { newNodes } : {}),
      };
    } finally {
      clearInterval(timer);
    }
  };
}

/** Nodes in the target as of restore that were not in it at preflight. */
function joinedTarget(nodes: k8s.V1Node[], target: DrillSpec['target'], planned: string[]): string[] {
  const now = selectTarget(target, nodes.map(toNode)).names;
  const before = new Set(planned);
  return [...now].filter((n) => !before.has(n)).sort();
}

export interface MarkedRun {
  runId: string;
  workflowId: string;
  nodes: string[];
  /** The run's owner, when every node's mark names the same one. */
  owner?: MarkOwner;
  /** The earliest restore-by deadline among the run's marks. */
  restoreBy?: string;
}

export interface MarkProblem {
  node: string;
  runId: string;
  workflowId: string;
  reason: string;
}

export interface MarkScan {
  /** The identity of the cluster that was read (kube-system UID). */
  cluster: string;
  /** Runs whose every mark verifies. */
  runs: MarkedRun[];
  /** Marks that do not verify (missing or malformed owner, workflow id or deadline; edited): reported, never acted on. */
  problems: MarkProblem[];
  /** Marks of runs in `runs` that were edited in ways that do not stop restore (a removed label). */
  notes: MarkProblem[];
}

/** Every mark on the cluster's nodes, grouped by run, for the janitor. */
export function createScanMarks(kc: k8s.KubeConfig) {
  return async function scanMarks(): Promise<MarkScan> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const counter: RetryCounter = { retries: 0 };
    const cluster = await clusterIdentity(core, counter);
    const runs = new Map<string, MarkedRun & { owners: Set<string> }>();
    const problems: MarkProblem[] = [];
    const notes: MarkProblem[] = [];
    for (const node of await listNodesWithMarks(core, counter)) {
      const mark = readMark(node);
      if (!mark) continue;
      const name = node.metadata?.name ?? '';
      const ref = { node: name, runId: mark.runId, workflowId: mark.workflowId };
      if (mark.problems.length) {
        problems.push({ ...ref, reason: mark.problems.join('; ') });
        continue;
      }
      for (const n of mark.notes) notes.push({ ...ref, reason: n });
      const run = runs.get(mark.runId) ?? { runId: mark.runId, workflowId: mark.workflowId, nodes: [], owners: new Set<string>() };
      run.nodes.push(name);
      run.owners.add(JSON.stringify(mark.owner));
      if (mark.owner) run.owner = mark.owner;
      if (mark.restoreBy && (!run.restoreBy || mark.restoreBy < run.restoreBy)) run.restoreBy = mark.restoreBy;
      runs.set(mark.runId, run);
    }
    const out: MarkedRun[] = [];
    for (const { owners, ...run } of runs.values()) {
      // One run's marks naming different owners were tampered with: none of them is acted on.
      if (owners.size > 1) {
        for (const node of run.nodes) problems.push({ node, runId: run.runId, workflowId: run.workflowId, reason: 'the marks of this run name different owners' });
        continue;
      }
      out.push({ ...run, nodes: run.nodes.sort() });
    }
    return { cluster, runs: out, problems, notes };
  };
}

/** Every run that has labelled marks on nodes (the janitor of runs recorded before scanMarks). */
export function createListMarkedRuns(kc: k8s.KubeConfig) {
  return async function listMarkedRuns(): Promise<MarkedRun[]> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const runs = new Map<string, MarkedRun>();
    for (const node of await listMarkedNodes(core, { retries: 0 })) {
      const mark = readMark(node);
      if (!mark) continue;
      const run = runs.get(mark.runId) ?? { runId: mark.runId, workflowId: mark.workflowId, nodes: [] };
      run.nodes.push(node.metadata?.name ?? '');
      runs.set(mark.runId, run);
    }
    return [...runs.values()];
  };
}
