// What an approver signs: the run, the exact drill file and the target, one per line, so a
// signature for one run, one revision of a drill or one target cannot be replayed on another.
// Pure (no Node modules): the workflow builds the same text the approver signed.

/** The SSH signature namespace (ssh-keygen -Y sign -n): a signature made for git or mail does not count. */
export const APPROVAL_NAMESPACE = 'firedrill-approval';

export interface StatementFields {
  workflowId: string;
  drill: string;
  specSha256: string;
  target: string;
}

export function approvalStatement(f: StatementFields): string {
  return [
    'firedrill approval v1',
    `run: ${f.workflowId}`,
    `drill: ${f.drill}`,
    `spec-sha256: ${f.specSha256}`,
    `target: ${f.target}`,
    '',
  ].join('\n');
}

/** The names of the listed approvers (undefined: anyone may approve). Pure. */
export function approverNames(a: { approvers?: Array<string | { name: string }> | undefined }): string[] | undefined {
  return a.approvers?.map((x) => (typeof x === 'string' ? x : x.name));
}

/** The approvers listed with a key: when any is, only signed approvals by them count. Pure. */
export function keyedApprovers(a: { approvers?: Array<string | { name: string; key: string }> | undefined }): Array<{ name: string; key: string }> {
  return (a.approvers ?? []).filter((x): x is { name: string; key: string } => typeof x !== 'string');
}
