import type { FormTokens } from '../form-tokens.js';

// What a page needs besides its data: the clock, where Temporal's UI is, which runs have a
// stored report, and who the user is (for the forms).

export interface RenderContext {
  nowMs: number;
  namespace: string;
  temporalUiUrl?: string;
  /** Workflow ids whose report is in the store. */
  reports: { has(workflowId: string): boolean };
  tokens: FormTokens;
  /** `user`: authenticated by the reverse proxy; otherwise the form asks, offering `default`. */
  identity: { user?: string; default: string };
}
