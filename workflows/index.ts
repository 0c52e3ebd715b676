// Workflow entry points registered by the worker. Only deterministic code is reachable from here.
export { drillWorkflow, approveSignal, abortSignal, statusQuery } from './drill.js';
export type { DrillInput, DrillStatus, ApproveSignal, AbortSignal } from './drill.js';
export { janitorWorkflow } from './janitor.js';
export type { JanitorInput, JanitorReport } from './janitor.js';
export { scheduledDrillWorkflow } from './scheduled.js';
export type { ScheduledDrillInput, ScheduledStatus } from './scheduled.js';
export { gameDayWorkflow } from './gameday.js';
export type { GameDayInput, GameDayResult, GameDayStatus, GameDayDrillSummary } from './gameday.js';
