import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createObserve, READBACK_MAX_READS, type ObserveInput, type ObserveResult } from '../../../activities/probes/observe.js';
import type { RpoProbeSpec } from '../../../drills/schema/index.js';

// RPO stays honest: the read-back after the hold reads until two consecutive reads agree, so a
// read that hit a lagging replica does not count its missing markers as lost data.

const probe: RpoProbeSpec = {
  type: 'rpo', name: 'orders', writeUrl: 'http://store.invalid/markers', readUrl: 'http://store.invalid/markers',
  interval: 50, timeout: 100, tolerance: { stableFor: 50, allowedFailures: 0 },
} as RpoProbeSpec;

/** A store whose reads hit the primary or a replica that lacks the newest marker, in the order given. */
function store(pattern: Array<'primary' | 'lagging'>) {
  const written: number[] = [];
  let reads = 0;
  const fetch = (async (_url: string, init?: RequestInit) => {
    if (init?.method === 'POST') {
      written.push((JSON.parse(String(init.body)) as { seq: number }).seq);
      return new Response('', { status: 201 });
    }
    const from = pattern[Math.min(reads++, pattern.length - 1)];
    return Response.json({ markers: from === 'lagging' ? written.slice(0, -1) : [...written] });
  }) as typeof globalThis.fetch;
  return { fetch, written, reads: () => reads };
}

async function holdWith(s: ReturnType<typeof store>) {
  const input: ObserveInput = { mode: 'hold', probes: [probe], durationMs: 300 };
  const r = (await new MockActivityEnvironment().run(createObserve({ fetch: s.fetch }), input)) as ObserveResult;
  return r.rpo[0];
}

describe('RPO read-back', () => {
  it('a first read from a lagging replica is read again until two reads agree: nothing lost, and the reads are recorded', async () => {
    const s = store(['lagging', 'primary', 'primary']);
    const r = await holdWith(s);
    expect(s.written.length).toBeGreaterThan(2);
    expect(r).toMatchObject({ missing: 0, reads: 3, agreed: true, acknowledged: s.written.length });
  });

  it('reads that never agree are bounded, and a marker any of them returned counts as stored', async () => {
    const s = store(['lagging', 'primary', 'lagging', 'primary', 'lagging', 'primary']);
    const r = await holdWith(s);
    expect(r).toMatchObject({ missing: 0, reads: READBACK_MAX_READS, agreed: false });
  });

  it('a marker missing from every read is lost', async () => {
    const s = store(['lagging']);
    const r = await holdWith(s);
    expect(r).toMatchObject({ missing: 1, reads: 2, agreed: true });
  });
});
