import { defaultPayloadConverter } from '@temporalio/common';
import { SegmentBuilder } from '../activities/probes/segments.js';
import type { ProbeSegment } from '../report/result.js';

// Payload sizes of the probes engine against Temporal's blob limit (2 MB per payload): the
// observe activity's heartbeat (its checkpoint: every probe's segments) and its result. The
// timelines are built with the engine's own SegmentBuilder from synthetic observations, and
// encoded with the SDK's default payload converter, so the bytes are what the worker sends.
// No cluster: the size depends only on the number of state changes, not on who probes.

export const BLOB_LIMIT_BYTES = 2 * 1024 * 1024;

export interface PayloadCase {
  name: string;
  probes: number;
  holdSeconds: number;
  intervalMs: number;
  /** A probe's health flips every this many ms (null: steady, one outage of 30 s). */
  flapEveryMs: number | null;
  segments: number;
  heartbeatBytes: number;
  resultBytes: number;
  /** Result bytes / blob limit. */
  ofLimit: number;
  underLimit: boolean;
}

/** The error a failing http probe records (checks.ts keeps up to 160 characters). */
const ERROR = 'HTTP 503: no ready endpoints for shop/checkout-frontend (connection answered by the load balancer)';

function timeline(holdMs: number, intervalMs: number, flapEveryMs: number | null): ProbeSegment[] {
  const b = new SegmentBuilder([], { gapMs: intervalMs * 3 });
  const t0 = Date.parse('2026-12-01T09:00:00.000Z');
  for (let at = 0; at < holdMs; at += intervalMs) {
    const healthy = flapEveryMs === null ? !(at >= 60_000 && at < 90_000) : Math.floor(at / flapEveryMs) % 2 === 0;
    b.add(t0 + at, healthy, healthy ? undefined : ERROR);
  }
  return b.segments;
}

const size = (v: unknown) => defaultPayloadConverter.toPayload(v)?.data?.length ?? 0;

function measureCase(name: string, probes: number, holdSeconds: number, intervalMs: number, flapEveryMs: number | null, flapping = probes): PayloadCase {
  const steady = timeline(holdSeconds * 1000, intervalMs, null);
  const flap = flapEveryMs === null ? steady : timeline(holdSeconds * 1000, intervalMs, flapEveryMs);
  const names = Array.from({ length: probes }, (_, i) => `probe-${String(i).padStart(4, '0')}`);
  const segs = (i: number) => (i < flapping ? flap : steady);
  // The shapes of observe.ts's Checkpoint (heartbeat) and ObserveResult.
  const heartbeat = {
    startedAt: Date.parse('2026-12-01T09:00:00.000Z'), probes: Object.fromEntries(names.map((n, i) => [n, segs(i)])),
    capacity: {}, acked: {}, seq: {}, resumes: 0, readyOutside: {},
  };
  const result = {
    startedAt: '2026-12-01T09:00:00.000Z', endedAt: new Date(Date.parse('2026-12-01T09:00:00.000Z') + holdSeconds * 1000).toISOString(),
    probes: names.map((n, i) => ({ name: n, segments: segs(i), failed: segs(i).filter((s) => !s.healthy).reduce((m, s) => m + s.count, 0), total: holdSeconds * 1000 / intervalMs })),
    capacity: [], rpo: [], resumes: 0,
  };
  const resultBytes = size(result);
  return {
    name, probes, holdSeconds, intervalMs, flapEveryMs,
    segments: names.reduce((n, _, i) => n + segs(i).length, 0),
    heartbeatBytes: size(heartbeat), resultBytes,
    ofLimit: Math.round((Math.max(resultBytes, size(heartbeat)) / BLOB_LIMIT_BYTES) * 1000) / 1000,
    underLimit: Math.max(resultBytes, size(heartbeat)) < BLOB_LIMIT_BYTES,
  };
}

export function benchPayloads(): PayloadCase[] {
  return [
    measureCase('1,000 probes at 1 s, 1 h hold, one 30 s outage each', 1000, 3600, 1000, null),
    measureCase('1 probe at 1 s flapping every 10 s, 4 h hold', 1, 4 * 3600, 1000, 10_000),
    measureCase('1,000 probes at 1 s, 4 h hold, one of them flapping every 10 s', 1000, 4 * 3600, 1000, 10_000, 1),
    // Where the limit lies: every probe flapping (not a target; shows the bound).
    measureCase('10 probes at 1 s, all flapping every 10 s, 4 h hold', 10, 4 * 3600, 1000, 10_000),
  ];
}
