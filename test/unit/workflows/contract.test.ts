import { describe, expect, it } from 'vitest';
import * as workflows from '../../../workflows/index.js';
import {
  DRILL_PHASES, drillSearchAttributes, drillWorkflowType, gameDayWorkflowType, janitorWorkflowType, openDrillRunsQuery,
  scheduledDrillWorkflowType, WORKFLOW_NAMES,
} from '../../../workflows/contract.js';

describe('the Temporal contract', () => {
  it('names exactly the workflow functions the worker registers', () => {
    expect(Object.keys(workflows).sort()).toEqual(Object.values(WORKFLOW_NAMES).sort());
    for (const name of Object.values(WORKFLOW_NAMES)) expect(typeof (workflows as Record<string, unknown>)[name]).toBe('function');
  });

  it('references each workflow type by the name the SDK sends', () => {
    // The SDK sends a string as is and a function by its name: both must give the registered name.
    expect([drillWorkflowType, gameDayWorkflowType, scheduledDrillWorkflowType, janitorWorkflowType] as unknown[])
      .toEqual(['drillWorkflow', 'gameDayWorkflow', 'scheduledDrillWorkflow', 'janitorWorkflow']);
  });

  it('builds search attributes and the open-runs query from one description of the target', () => {
    const spec = { metadata: { name: 'zone-a-loss' }, target: { type: 'zone', zone: "a'b", zoneLabel: 'topology.kubernetes.io/zone' } } as const;
    const [drill, target] = drillSearchAttributes(spec as never);
    expect(drill).toMatchObject({ value: 'zone-a-loss' });
    expect(target?.value).toBe('zone ab (topology.kubernetes.io/zone)');
    expect(openDrillRunsQuery(spec as never)).toBe(
      "WorkflowType = 'drillWorkflow' AND ExecutionStatus = 'Running' AND FiredrillDrill = 'zone-a-loss' AND FiredrillTarget = 'zone ab (topology.kubernetes.io/zone)'",
    );
  });

  it('orders the phases as the drill runs them', () => {
    expect(DRILL_PHASES).toEqual(['starting', 'preflight', 'approval', 'baseline', 'inject', 'hold', 'restore', 'failback', 'report', 'done']);
  });
});
