import { z } from 'zod';
import { duration } from './duration.js';

/** Conditions that end the hold early; restore runs either way. */
export const guardrailsSchema = z.strictObject({
  probeFailingLongerThan: duration().optional(),
  maxErrorBudget: z.number().min(0).max(1).optional(),
  abortAtMaxDuration: z.boolean().default(true),
});

export const approvalSchema = z.strictObject({
  required: z.boolean().default(false),
  timeout: duration().default(1_800_000),
  // When listed, only these identities may approve; otherwise anyone who can signal the run.
  approvers: z.array(z.string().trim().min(1, { message: 'approver must not be empty' })).min(1).optional(),
});
