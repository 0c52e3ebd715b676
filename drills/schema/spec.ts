import { z } from 'zod';
import { approvalSchema, guardrailsSchema } from './guardrails.js';
import { dnsLabel, nonEmpty } from './names.js';
import { objectiveSchema } from './objectives.js';
import { probesSchema } from './probes.js';
import { reportSchema } from './report.js';
import { safetySchema } from './safety.js';
import { scheduleSchema } from './schedule.js';
import { faultSchema, targetSchema, timingSchema } from './target.js';

const metadataSchema = z.strictObject({
  name: dnsLabel('name'),
  owner: nonEmpty('owner'),
  description: z.string().optional(),
  tags: z.array(nonEmpty('tag')).default(() => []),
});

/**
 * Cross-field rules run as soon as the fields they read are valid, even when other fields are
 * not, so one pass over a file reports all its problems (zod skips refinements by default).
 */
const once = (...fields: string[]) => ({
  when: (payload: z.core.ParsePayload) =>
    !payload.issues.some((i) => !i.path?.length || fields.includes(String(i.path[0]))),
});

/** A drill definition (`kind: Drill`), as written in drills/*.yaml. */
export const drillSpecSchema = z
  .strictObject({
    apiVersion: z.literal('firedrill.dev/v1'),
    kind: z.literal('Drill'),
    metadata: metadataSchema,
    target: targetSchema,
    fault: faultSchema,
    timing: timingSchema,
    probes: probesSchema,
    objectives: z.array(objectiveSchema).default(() => []),
    // prefault parses {} so that every nested default is filled in the parsed spec.
    guardrails: guardrailsSchema.prefault({}),
    approval: approvalSchema.prefault({}),
    schedule: scheduleSchema.optional(),
    safety: safetySchema.prefault({}),
    report: reportSchema.prefault({}),
  })
  .superRefine((spec, ctx) => {
    if (spec.target.type === 'cluster' && !spec.safety.allowWholeCluster) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'type'],
        message: 'a whole-cluster target needs explicit permission: set safety.allowWholeCluster: true',
      });
    }
  }, once('target', 'safety'))
  .superRefine((spec, ctx) => {
    const probeTypes = new Map(spec.probes.map((p) => [p.name, p.type]));
    spec.objectives.forEach((o, i) => {
      if (o.type !== 'rto' && o.type !== 'rpo') return;
      if (o.probe === undefined) return;
      const type = probeTypes.get(o.probe);
      if (type === undefined) {
        const known = [...probeTypes.keys()].join(', ');
        ctx.addIssue({ code: 'custom', path: ['objectives', i, 'probe'], message: `no probe named "${o.probe}" (probes: ${known})` });
      } else if (o.type === 'rpo' && type !== 'rpo') {
        ctx.addIssue({
          code: 'custom',
          path: ['objectives', i, 'probe'],
          message: `an rpo objective needs an rpo probe, but "${o.probe}" is of type ${type}`,
        });
      }
    });
  }, once('probes', 'objectives'));
