import { z } from 'zod';
import { duration } from './duration.js';

const probeRef = z.string().min(1, { message: 'probe must name a probe of this drill' });

/** Recovery time: one probe's, or (without `probe`) the worst over all probes. */
const rtoObjective = z.strictObject({
  type: z.literal('rto'),
  probe: probeRef.optional(),
  target: duration(),
});

/** Data loss window measured by an rpo probe; 0 means "no acknowledged write may be lost". */
const rpoObjective = z.strictObject({
  type: z.literal('rpo'),
  probe: probeRef,
  target: duration({ positive: false }),
});

/** Kubernetes capacity recovery: every watched workload back at its desired ready replicas. */
const capacityObjective = z.strictObject({
  type: z.literal('capacity'),
  target: duration(),
});

/** Largest fraction of failed probe observations the drill may spend. */
const errorBudgetObjective = z.strictObject({
  type: z.literal('errorBudget'),
  max: z.number().min(0).max(1),
});

/**
 * Return to steady state after restore: every probe healthy and stable again within the target.
 * Every drill has one (2 minutes unless the drill sets its own).
 */
const failbackObjective = z.strictObject({
  type: z.literal('failback'),
  target: duration(),
});

export const objectiveSchema = z.discriminatedUnion('type', [
  rtoObjective,
  rpoObjective,
  capacityObjective,
  errorBudgetObjective,
  failbackObjective,
]);
