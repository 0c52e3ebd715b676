import { z } from 'zod';
import { duration, formatDuration } from './duration.js';
import { isLabelKey, isLabelValue, nonEmpty } from './names.js';
import { parseLabelSelector, SELECTOR_FORM } from './selector.js';

const context = nonEmpty('context').optional();

const zoneTarget = z.strictObject({
  type: z.literal('zone'),
  zone: nonEmpty('zone').refine(isLabelValue, { message: 'zone must be a valid label value (at most 63 characters of letters, digits, "-", "_", ".")' }),
  zoneLabel: z
    .string()
    .refine(isLabelKey, { message: 'zoneLabel must be a label key such as topology.kubernetes.io/zone' })
    .default('topology.kubernetes.io/zone'),
  context,
});

const clusterTarget = z.strictObject({
  type: z.literal('cluster'),
  context,
  /** The cluster meant to take over (another site): the plan matches workloads and capacity in it; nothing in it is changed. */
  standby: z.strictObject({ context: nonEmpty('standby.context') }).optional(),
});

const nodesTarget = z.strictObject({
  type: z.literal('nodes'),
  selector: z.string().superRefine((s, ctx) => {
    if (s.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'selector must not be empty: name the target nodes, e.g. "pool=batch"' });
      return;
    }
    const r = parseLabelSelector(s);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: `invalid label selector (${r.reason}); expected ${SELECTOR_FORM}` });
  }),
  context,
});

/** What the drill takes away: one zone, a label-selected set of nodes, or the whole cluster. */
export const targetSchema = z.discriminatedUnion('type', [zoneTarget, clusterTarget, nodesTarget]);

export const faultModeSchema = z.enum(['cordon', 'drain', 'power-loss']);

export const faultSchema = z.strictObject({
  mode: faultModeSchema,
  concurrency: z.int().min(1).max(500).default(20),
  evictionTimeout: duration().default(120_000),
  // Nodes that join the target during the hold get the fault too (off: they are only reported).
  includeNewNodes: z.boolean().optional(),
  // Kubernetes takes the grace period in whole seconds; a fraction would be silently truncated.
  gracePeriod: duration({ positive: false })
    .refine((ms) => ms % 1000 === 0, { message: 'gracePeriod must be whole seconds (Kubernetes takes seconds)' })
    .optional(),
});

export const timingSchema = z
  .strictObject({
    hold: duration(),
    maxDuration: duration(),
  })
  .superRefine((t, ctx) => {
    if (t.maxDuration < t.hold) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDuration'],
        message: `maxDuration (${formatDuration(t.maxDuration)}) must be at least hold (${formatDuration(t.hold)})`,
      });
    }
  });
