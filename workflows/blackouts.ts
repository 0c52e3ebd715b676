// Blackout windows (change freezes) of a scheduled drill, pure. A scheduled run must not be
// injecting or holding at any moment of a window, so a run is judged by the whole span its
// fault could cover, not by the moment the schedule fires.

export interface Blackout { name: string; start: string; end: string }

/** The blackout window containing `at` (start inclusive, end exclusive), if any. */
export function activeBlackout(blackouts: readonly Blackout[], at: number): Blackout | undefined {
  return blackouts.find((b) => at >= Date.parse(b.start) && at < Date.parse(b.end));
}

/** The earliest-starting window that meets the span [from, until), if any. */
export function blackoutMeeting(blackouts: readonly Blackout[], from: number, until: number): Blackout | undefined {
  return blackouts
    .filter((b) => Date.parse(b.start) < until && Date.parse(b.end) > from)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
}
