import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../devstack/paths.js';
import type { IndexEntry } from '../../../scripts/record-histories.js';
import { WORKFLOW_NAMES } from '../../../workflows/contract.js';
import { historyFromJson } from '../../replay/history-json.js';
import { quietRuntime, workflowBundle } from '../../support/workflow-env.js';

// The safety net for running workflows: histories recorded from the workflow code deployments
// run (scripts/record-histories.ts) must replay against the current code without a
// nondeterminism error, or an upgrade would break every drill open at the time. A failure here
// means the change needs patched() or a new workflow type; never re-record to make it pass
// (README, "Replay tests"). No server is needed: replay runs in the worker alone.

const dir = path.join(projectRoot, 'test', 'replay', 'histories');
const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as IndexEntry[];

describe('replay of recorded workflow histories', () => {
  beforeAll(() => quietRuntime());

  it('cover every workflow type, and every history file is in the index', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'index.json').sort();
    expect(index.map((e) => e.file).sort()).toEqual(files);
    expect([...new Set(index.map((e) => e.workflowType))].sort()).toEqual(Object.values(WORKFLOW_NAMES).sort());
  });

  for (const entry of index) {
    it(`${entry.file} (${entry.workflowType}, recorded from ${entry.recordedFrom}) replays against the current workflow code`, async () => {
      const history = historyFromJson(JSON.parse(readFileSync(path.join(dir, entry.file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: entry.file }, history, entry.workflowId);
    }, 120_000);
  }
});
