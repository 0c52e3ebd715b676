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

/** The entries of a list that are mappings, with their index: the input may be partly invalid. */
function entries(value: unknown): Array<[number, Record<string, unknown>]> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i): Array<[number, Record<string, unknown>]> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [[i, v as Record<string, unknown>]] : []));
}

const field = (v: unknown, key: string): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined);

/**
 * Cross-field rules run on every parse, even when other fields are invalid (zod skips
 * refinements by default), so one pass over a file reports all its problems: they read the
 * partly parsed input defensively and only judge the fields they need.
 */
const always = { when: () => true };

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
    if (field(field(spec, 'target'), 'type') === 'cluster' && field(field(spec, 'safety'), 'allowWholeCluster') !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'type'],
        message: 'a whole-cluster target needs explicit permission: set safety.allowWholeCluster: true',
      });
    }
  }, always)
  .superRefine((spec, ctx) => {
    // timing.maxDuration caps the fault (first change to restore start), evictions included: a
    // drain allowed to wait longer on one pod than the whole fault may last could never hold.
    const fault = field(spec, 'fault');
    const eviction = field(fault, 'evictionTimeout');
    const max = field(field(spec, 'timing'), 'maxDuration');
    if (field(fault, 'mode') === 'drain' && typeof eviction === 'number' && typeof max === 'number' && eviction > max) {
      ctx.addIssue({
        code: 'custom',
        path: ['fault', 'evictionTimeout'],
        message: `evictionTimeout (${eviction / 1000} s) must not exceed timing.maxDuration (${max / 1000} s): maxDuration caps the fault from the first change to the start of restore, eviction retries included; the hold runs from T0 inside it, and waiting for approval comes before it, bounded by approval.timeout`,
      });
    }
  }, always)
  .superRefine((spec, ctx) => {
    // Without a list of probes every reference would fail; the missing list is the problem.
    if (!Array.isArray(field(spec, 'probes'))) return;
    const probes = entries(field(spec, 'probes')).filter(([, p]) => typeof p.name === 'string');
    // The first probe of a name counts: a repeated name is its own problem.
    const probeTypes = new Map<string, unknown>();
    for (const [, p] of probes) if (!probeTypes.has(p.name as string)) probeTypes.set(p.name as string, p.type);
    for (const [i, o] of entries(field(spec, 'objectives'))) {
      if ((o.type !== 'rto' && o.type !== 'rpo') || typeof o.probe !== 'string') continue;
      const type = probeTypes.get(o.probe);
      if (!probeTypes.has(o.probe)) {
        const known = [...probeTypes.keys()].join(', ');
        ctx.addIssue({ code: 'custom', path: ['objectives', i, 'probe'], message: `no probe named "${o.probe}" (probes: ${known})` });
      } else if (o.type === 'rpo' && typeof type === 'string' && type !== 'rpo') {
        ctx.addIssue({
          code: 'custom',
          path: ['objectives', i, 'probe'],
          message: `an rpo objective needs an rpo probe, but "${o.probe}" is of type ${type}`,
        });
      }
    }
  }, always);
