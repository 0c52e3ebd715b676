/**
 * How late a loaded two-core machine's timers and local requests can run (one was seen 298 ms
 * late in CI): the room a check of a measured time leaves on top of what it measures. A figure
 * off by a whole probe interval or more still fails.
 */
export const LATE_MS = 500;
