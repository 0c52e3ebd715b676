import { z } from 'zod';
import { duration } from '../schema/duration.js';
import { approvalSchema } from '../schema/guardrails.js';
import { dnsLabel, nonEmpty } from '../schema/names.js';

// A game day (`kind: GameDay`): drills run now, one after the other, under one approval.
// The drills themselves stay in their own files, so a game day cannot weaken their guards.

const metadataSchema = z.strictObject({
  name: dnsLabel('name'),
  owner: nonEmpty('owner'),
  description: z.string().optional(),
});

const stepSchema = z.strictObject({
  /** A drill file, relative to the game-day file. */
  file: nonEmpty('file').refine((f) => /\.ya?ml$/i.test(f), { message: 'file must name a drill YAML file (.yaml or .yml)' }),
  /** Time to let people look before the next drill starts. */
  pauseAfter: duration({ positive: false }).optional(),
});

export const gameDaySchema = z.strictObject({
  apiVersion: z.literal('firedrill.dev/v1'),
  kind: z.literal('GameDay'),
  metadata: metadataSchema,
  drills: z.array(stepSchema)
    .min(1, { message: 'a game day lists at least one drill' })
    .max(50, { message: 'a game day lists at most 50 drills' }),
  // Required on purpose: whoever writes a game day says whether it waits for a person.
  approval: approvalSchema,
});

export type GameDaySpec = z.output<typeof gameDaySchema>;
