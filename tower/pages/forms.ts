import { escapeHtml } from '../../report/escape.js';
import { abortScope, approveScope, LOGIN_SCOPE } from '../form-tokens.js';
import type { RenderContext } from './context.js';
import { localPath, runHref, towerPage } from './layout.js';

// The tower's forms: approve, abort (asked twice: the first post only shows what would be sent),
// and the token sign-in. Each carries its per-page token; none works by GET.

function identityField(ctx: RenderContext, id: string): string {
  if (ctx.identity.user) {
    return `<p>You act as <strong>${escapeHtml(ctx.identity.user)}</strong> (signed in through the proxy).</p>`;
  }
  return `<label for="${id}">Your identity</label>`
    + `<input type="text" id="${id}" name="identity" required maxlength="200" autocomplete="email" value="${escapeHtml(ctx.identity.default)}">`
    + '<p class="hint">Recorded in the drill\'s journal as given: it is not verified (this tower has no sign-in of named users, and the drill lists no approval keys).</p>';
}

export function approveForm(workflowId: string, ctx: RenderContext, approvers: string[] | undefined): string {
  const who = approvers?.length ? `<p class="hint">Only these identities may approve: ${approvers.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')}. Any other approval is refused and recorded.</p>` : '';
  return `<form class="action" method="post" action="${escapeHtml(runHref(workflowId, '/approve'))}">`
    + `<input type="hidden" name="csrf" value="${escapeHtml(ctx.tokens.issue(approveScope(workflowId), ctx.nowMs))}">`
    + identityField(ctx, 'approve-identity') + who
    + '<button type="submit" class="approve">Approve this run</button></form>';
}

export function abortForm(workflowId: string, ctx: RenderContext): string {
  return `<form class="action" method="post" action="${escapeHtml(runHref(workflowId, '/abort'))}">`
    + `<input type="hidden" name="csrf" value="${escapeHtml(ctx.tokens.issue(abortScope(workflowId), ctx.nowMs))}">`
    + identityField(ctx, 'abort-identity')
    + '<label for="abort-reason">Reason</label><input type="text" id="abort-reason" name="reason" required maxlength="500" placeholder="why the drill must stop">'
    + '<p class="hint">Aborting stops the drill at once; it restores every node it changed. You confirm on the next page.</p>'
    + '<button type="submit" class="abort">Abort…</button></form>';
}

/** The second step of an abort: what will be sent, and the one button that sends it. */
export function renderAbortConfirm(workflowId: string, name: string, reason: string, identity: string, ctx: RenderContext): string {
  return towerPage({
    title: `Abort ${name}?`,
    body: `<h1>Abort ${escapeHtml(name)}?</h1>
<p>The drill stops at once and restores every node it changed. The journal records:</p>
<dl class="facts"><dt>Run</dt><dd><code>${escapeHtml(workflowId)}</code></dd><dt>Who</dt><dd>${escapeHtml(identity)}</dd><dt>Reason</dt><dd>${escapeHtml(reason)} (from the tower)</dd></dl>
<form class="action" method="post" action="${escapeHtml(runHref(workflowId, '/abort'))}">
<input type="hidden" name="csrf" value="${escapeHtml(ctx.tokens.issue(abortScope(workflowId), ctx.nowMs))}">
<input type="hidden" name="identity" value="${escapeHtml(identity)}">
<input type="hidden" name="reason" value="${escapeHtml(reason)}">
<input type="hidden" name="confirm" value="yes">
<button type="submit" class="abort">Yes, abort the drill</button>
</form>
<p><a href="${escapeHtml(runHref(workflowId))}">No, back to the run</a></p>`,
  });
}

export function renderLogin(ctx: RenderContext, failed: boolean): string {
  return towerPage({
    title: 'Sign in',
    body: `<h1>Sign in to the tower</h1>
${failed ? '<p class="notice" role="alert">That token is not this tower\'s.</p>' : ''}
<p>This tower listens beyond this machine, so it needs its token (from <code>FIREDRILL_TOWER_TOKEN</code> or <code>--token-file</code>). Signing in keeps it in a cookie for this site only.</p>
<form class="action" method="post" action="/login">
<input type="hidden" name="csrf" value="${escapeHtml(ctx.tokens.issue(LOGIN_SCOPE, ctx.nowMs))}">
<label for="token">Token</label><input type="password" id="token" name="token" required autocomplete="current-password">
<button type="submit">Sign in</button>
</form>`,
  });
}

/** A refusal or a failed action, as a page with the way back. */
export function renderMessage(title: string, message: string, backTo?: string): string {
  const back = localPath(backTo);
  return towerPage({
    title,
    body: `<h1>${escapeHtml(title)}</h1><p class="notice" role="alert">${escapeHtml(message)}</p>${back ? `<p><a href="${escapeHtml(back)}">Back</a></p>` : ''}`,
  });
}
