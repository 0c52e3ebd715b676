// The game day result: the day's versioned JSON document, beside the drill result it summarises.
import type { JournalEntry, Outcome } from './result.js';

export const GAMEDAY_SCHEMA_VERSION = 'firedrill.dev/gameday/v1';

export interface GameDayDrillSummary {
  name: string;
  file: string;
  workflowId: string | null;
  outcome: Outcome;
  outcomeReason: string;
  objectives: { met: number; total: number; missed: string[] };
  notFailedOver: number;
  startedAt?: string;
  endedAt?: string;
}

export interface GameDayResult {
  schemaVersion: typeof GAMEDAY_SCHEMA_VERSION;
  day: { name: string; owner: string; description?: string; specSha256: string };
  run: { workflowId: string; runId: string; namespace: string; startedAt: string; endedAt: string; firedrillVersion: string; temporalUiUrl?: string };
  approval: { required: boolean; approvedBy?: string; approvedAt?: string; refused: Array<{ identity: string; at: string; reason: string }> };
  outcome: Outcome;
  outcomeReason: string;
  drills: GameDayDrillSummary[];
  journal: JournalEntry[];
}
