// The drill's journal: phases and every operator action with its time. Times come from the
// workflow clock (`new Date()` inside a workflow is the deterministic workflow time, replayed
// identically), never from the host.
import type { JournalEntry, Phase, PhaseSpan } from '../report/result.js';

export class Journal {
  readonly entries: JournalEntry[] = [];
  readonly phases: PhaseSpan[] = [];
  readonly startedAt = now();

  get phase(): Phase | 'starting' {
    return this.phases.at(-1)?.phase ?? 'starting';
  }

  enter(phase: Phase, message?: string): void {
    const at = now();
    const open = this.phases.at(-1);
    if (open && !open.endedAt) open.endedAt = at;
    this.phases.push({ phase, startedAt: at });
    this.entries.push({ at, kind: 'phase', message: message ? `${phase}: ${message}` : phase });
  }

  close(): void {
    const open = this.phases.at(-1);
    if (open && !open.endedAt) open.endedAt = now();
  }

  add(kind: JournalEntry['kind'], message: string, identity?: string): void {
    this.entries.push({ at: now(), kind, message, ...(identity ? { identity } : {}) });
  }
}

export function now(): string {
  return new Date().toISOString();
}
