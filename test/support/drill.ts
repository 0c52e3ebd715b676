// Helpers for running whole drills against the real local stack, one module per concern; test
// files import them from here.
export * from './workers.js';
export * from './drill-specs.js';
export * from './simulator.js';
export * from './node-claims.js';
export * from './workload.js';
export * from './node-checks.js';
