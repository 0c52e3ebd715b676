import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { ObserveResult, PreflightResult } from '../activities/index.js';
import { decodePayloads } from '../client/follow.js';

// What a run's event history says that its status query does not: the census of preflight
// (the guard verdict) and the probe timelines of the observations already finished (baseline,
// hold, failback), so the live chart shows the whole run and not only the current phase.

export interface ObservedPhase {
  mode: 'baseline' | 'hold' | 'failback';
  result: ObserveResult;
}

export interface RunHistory {
  census?: PreflightResult['summary'];
  observed: ObservedPhase[];
}

const MAX_PAGES = 20;

export async function readRunHistory(client: Client, workflowId: string, runId?: string): Promise<RunHistory> {
  const scheduled = new Map<string, { type: string; input: Payload[] | undefined }>();
  const out: RunHistory = { observed: [] };
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const h = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, ...(runId ? { runId } : {}) },
      ...(nextPageToken?.length ? { nextPageToken } : {}),
    });
    for (const e of h.history?.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), { type: s.activityType?.name ?? '', input: s.input?.payloads as Payload[] | undefined });
      const done = e.activityTaskCompletedEventAttributes;
      if (!done) continue;
      const from = scheduled.get(String(done.scheduledEventId));
      if (from?.type === 'preflight') {
        const [r] = await decodePayloads(client, done.result?.payloads as Payload[] | undefined);
        const summary = (r as PreflightResult | undefined)?.summary;
        if (summary) out.census = summary;
      } else if (from?.type === 'observe') {
        const [[input], [r]] = await Promise.all([
          decodePayloads(client, from.input),
          decodePayloads(client, done.result?.payloads as Payload[] | undefined),
        ]);
        const mode = (input as { mode?: ObservedPhase['mode'] } | undefined)?.mode;
        if (mode && r) out.observed.push({ mode, result: r as ObserveResult });
      }
    }
    nextPageToken = h.nextPageToken ?? undefined;
    if (!nextPageToken?.length) break;
  }
  return out;
}
