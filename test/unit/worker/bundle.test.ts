import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../devstack/paths.js';
import { bundleKey, loadWorkflowBundle, workflowSources } from '../../../worker/bundle.js';
import { workflowsPath } from '../../../worker/worker.js';

describe('the cached workflow bundle', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('is keyed by every source the workflows import, and nothing else', async () => {
    const files = (await workflowSources(workflowsPath)).map((f) => path.relative(projectRoot, f));
    expect(files).toEqual(expect.arrayContaining(['workflows/index.ts', 'workflows/drill.ts', 'workflows/measure.ts', 'report/result.ts']));
    expect(files.some((f) => f.startsWith('cli/') || f.startsWith('test/'))).toBe(false);
    expect(await bundleKey(workflowsPath)).toBe(await bundleKey(workflowsPath));
  });

  it('is built once by a child process, then read from the cache', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'firedrill-bundle-'));
    dirs.push(cache);
    const env = { FIREDRILL_CACHE_DIR: cache };
    const log = pino({ level: 'silent' });
    const first = await loadWorkflowBundle(workflowsPath, log, env);
    expect(first.code).toContain('drillWorkflow');
    const files = await readdir(path.join(cache, 'workflow-bundles'));
    expect(files).toEqual([`${await bundleKey(workflowsPath)}.js`]);
    const second = await loadWorkflowBundle(workflowsPath, log, env);
    expect(second.code).toBe(first.code);
  }, 120_000);
});
