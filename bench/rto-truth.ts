import type { DrillResult } from '../report/result.js';
import { healthRuns } from '../report/steadiness.js';

// RTO accuracy against the simulator's ground truth: when the service really went down and came
// back (its endpoints, polled by the simulator), against when firedrill saw it. RTO counts from
// the drill's first change, an instant firedrill sets itself, so the error of an RTO is the error
// of its end: firedrill's recovery instant minus the true one. Pure, so it is tested without a stack.

export interface Transition { at: string; up: boolean }

export interface TruthComparison {
  /** The true outage: the first "down" at or after the first change (less slack), and the "up" after it. */
  trueDownAt: number | null;
  trueUpAt: number | null;
  /** RTO as firedrill counts it (from the first change), with the true end. */
  trueRtoMs: number | null;
  measuredRtoMs: number | null;
  /** firedrill's recovery instant minus the true one: the RTO's error. */
  errorMs: number | null;
  /** firedrill's first failed observation minus the true down. */
  detectionErrorMs: number | null;
  /**
   * What the midpoint of the last failed and the first healthy observation would have given: the
   * figure's error with the sampling bias taken out (firedrill reports the first healthy observation,
   * an upper bound, which is what a verdict may rely on).
   */
  midpointErrorMs: number | null;
}

/** The true outage in the simulator's transitions, from `from` (ms) less `slackMs`. */
export function trueOutage(transitions: Transition[], from: number, slackMs = 1000): { downAt: number; upAt: number | null } | null {
  const downIdx = transitions.findIndex((tr) => !tr.up && Date.parse(tr.at) >= from - slackMs);
  if (downIdx < 0) return null;
  const up = transitions.slice(downIdx + 1).find((tr) => tr.up);
  return { downAt: Date.parse(transitions[downIdx]?.at ?? ''), upAt: up ? Date.parse(up.at) : null };
}

/** Compares the drill's first probe with the truth of its service. */
export function compareWithTruth(r: Pick<DrillResult, 'measurements' | 'probes'>, transitions: Transition[]): TruthComparison {
  const m = r.measurements;
  const fromIso = m.injectStartedAt ?? m.t0;
  const from = fromIso ? Date.parse(fromIso) : NaN;
  const probe = m.probes[0];
  const measured = probe?.rtoMs ?? null;
  const none: TruthComparison = { trueDownAt: null, trueUpAt: null, trueRtoMs: null, measuredRtoMs: measured, errorMs: null, detectionErrorMs: null, midpointErrorMs: null };
  if (!Number.isFinite(from)) return none;
  const truth = trueOutage(transitions, from);
  if (!truth) return none;
  const upAt = truth.upAt;
  const recoveredAt = measured === null ? null : from + measured;
  const detectedAt = probe?.detectedAt ? Date.parse(probe.detectedAt) : null;
  let midpointErrorMs: number | null = null;
  if (recoveredAt !== null && upAt !== null) {
    // The failing run that ends just before the recovery firedrill reported.
    const runs = healthRuns(r.probes.find((p) => p.name === probe?.probe)?.segments ?? []);
    const lastFail = runs.filter((x) => !x.healthy && x.to < recoveredAt).at(-1);
    if (lastFail) midpointErrorMs = Math.round((lastFail.to + recoveredAt) / 2 - upAt);
  }
  return {
    trueDownAt: truth.downAt,
    trueUpAt: upAt,
    trueRtoMs: upAt === null ? null : upAt - from,
    measuredRtoMs: measured,
    errorMs: recoveredAt !== null && upAt !== null ? recoveredAt - upAt : null,
    detectionErrorMs: detectedAt !== null ? detectedAt - truth.downAt : null,
    midpointErrorMs,
  };
}
