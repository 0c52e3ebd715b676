// Workflow entry points registered by the worker (the export names are the workflow type
// names, see WORKFLOW_NAMES in contract.ts). Only deterministic code is reachable from here.
export { drillWorkflow } from './drill.js';
export { janitorWorkflow } from './janitor.js';
export { scheduledDrillWorkflow } from './scheduled.js';
export { gameDayWorkflow } from './gameday.js';
