import { createHmac, randomBytes } from 'node:crypto';
import { sameSecret } from './auth.js';

// The per-page token every form of the tower carries: an HMAC of the action it is for (approve
// or abort of one run) and a half-hour window, under a key that lives as long as the process.
// Another site cannot read it from our pages, so it cannot forge a form post even where the
// browser sends no Origin. Deterministic within a window, so a live fragment does not change
// (and lose the user's focus) on every update.

const WINDOW_MS = 30 * 60_000;

export class FormTokens {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  private mac(scope: string, window: number): string {
    return createHmac('sha256', this.key).update(`${window}|${scope}`).digest('base64url');
  }

  issue(scope: string, nowMs = Date.now()): string {
    const w = Math.floor(nowMs / WINDOW_MS);
    return `${w}.${this.mac(scope, w)}`;
  }

  /** Valid for the window it was issued in and the next one: 30 to 60 minutes. */
  verify(scope: string, token: unknown, nowMs = Date.now()): boolean {
    if (typeof token !== 'string') return false;
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return false;
    const w = Number(m[1]);
    const now = Math.floor(nowMs / WINDOW_MS);
    if (w !== now && w !== now - 1) return false;
    return sameSecret(m[2]!, this.mac(scope, w));
  }
}

export const approveScope = (workflowId: string) => `approve:${workflowId}`;
export const abortScope = (workflowId: string) => `abort:${workflowId}`;
export const LOGIN_SCOPE = 'login';
