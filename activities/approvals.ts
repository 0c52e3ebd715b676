import { parseSshPublicKey, verifySshSignature } from '../approvals/ssh.js';
import { APPROVAL_NAMESPACE } from '../approvals/statement.js';

// The check of a signed approval, on the worker: the workflow passes the statement it built
// from its own input, so a signature over another run, drill revision or target fails here.
// Pure computation: running it twice gives the same answer.

export interface VerifyApprovalInput {
  statement: string;
  signature: string;
  approvers: Array<{ name: string; key: string }>;
}

export type VerifyApprovalResult =
  | { ok: true; name: string; fingerprint: string; keyType: string }
  | { ok: false; reason: string; fingerprint?: string };

export function verifyApproval(input: VerifyApprovalInput): VerifyApprovalResult {
  let signer;
  try {
    signer = verifySshSignature(input.signature, input.statement, APPROVAL_NAMESPACE);
  } catch (err) {
    return { ok: false, reason: `signature not valid: ${(err as Error).message}` };
  }
  for (const a of input.approvers) {
    let listed;
    try {
      listed = parseSshPublicKey(a.key);
    } catch {
      continue;
    }
    if (listed.blob.equals(signer.blob)) return { ok: true, name: a.name, fingerprint: signer.fingerprint, keyType: signer.type };
  }
  return { ok: false, reason: `signed by a key not listed in approval.approvers (${signer.fingerprint})`, fingerprint: signer.fingerprint };
}
