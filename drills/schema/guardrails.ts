import { z } from 'zod';
import { approverNames } from '../../approvals/statement.js';
import { duration } from './duration.js';

/** Conditions that end the hold early; restore runs either way. */
export const guardrailsSchema = z.strictObject({
  probeFailingLongerThan: duration().optional(),
  maxErrorBudget: z.number().min(0).max(1).optional(),
  abortAtMaxDuration: z.boolean().default(true),
});

const approverName = z.string().trim().min(1, { message: 'approver must not be empty' });

// The shape of an OpenSSH public key line; the worker parses the key itself before trusting it.
const SSH_KEY_LINE = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}( .*)?$/;

const keyedApprover = z.strictObject({
  name: approverName,
  key: z.string().trim().regex(SSH_KEY_LINE, { message: 'expected an OpenSSH public key line: ssh-ed25519 or ecdsa-sha2-nistp256/384/521, then base64 (as in ~/.ssh/id_ed25519.pub)' }),
});

export const approvalSchema = z.strictObject({
  required: z.boolean().default(false),
  timeout: duration().default(1_800_000),
  // When listed, only these identities may approve; otherwise anyone who can signal the run.
  // A name alone is an unverified identity; with an OpenSSH public key, only a signature by that
  // key counts (checked by the worker, see approvals/ssh.ts).
  approvers: z.array(z.union([approverName, keyedApprover])).min(1).optional(),
  // Distinct approvers needed before anything is changed.
  quorum: z.int().min(1, { message: 'quorum must be at least 1' }).default(1),
}).superRefine((a, ctx) => {
  if (a.approvers && a.quorum > a.approvers.length) {
    ctx.addIssue({ code: 'custom', path: ['quorum'], message: `quorum ${a.quorum} is more than the ${a.approvers.length} listed approver(s)`, input: a.quorum });
  }
  const names = approverNames(a) ?? [];
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) ctx.addIssue({ code: 'custom', path: ['approvers'], message: `approver ${twice} is listed twice`, input: twice });
});

