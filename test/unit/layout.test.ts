import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../devstack/paths.js';
// @ts-expect-error: a plain Node script without type declarations
import { cycles, importGraph } from '../../scripts/cycles.mjs';

// The layering the README's layout section promises, checked on every test run.

const graph = importGraph(projectRoot) as Map<string, Set<string>>;
const rel = (f: string) => path.relative(projectRoot, f).split(path.sep).join('/');
const edges = [...graph].flatMap(([from, deps]) => [...deps].map((to) => [rel(from), rel(to)] as const));
const folder = (f: string) => f.split('/')[0] ?? '';

describe('the source layout', () => {
  it('has no import cycles', () => {
    expect((cycles(graph) as string[][]).map((c) => c.map(rel))).toEqual([]);
  });

  it('keeps activities free of workflow, client and CLI code', () => {
    expect(edges.filter(([from, to]) => folder(from) === 'activities' && ['workflows', 'client', 'cli', 'tower'].includes(folder(to)))).toEqual([]);
  });

  it('lets nothing but the CLI (and tests of it) import the CLI', () => {
    expect(edges.filter(([from, to]) => folder(to) === 'cli' && !['cli', 'test'].includes(folder(from)))).toEqual([]);
    // Integration tests and test support use the client library; only unit tests of the
    // commands and the terminal view import cli/, and of it only commands and rendering.
    expect(edges.filter(([from, to]) => folder(to) === 'cli' && folder(from) === 'test' && !from.startsWith('test/unit/') && !to.startsWith('cli/commands/')))
      .toEqual([]);
  });

  it('gives clients the Temporal contract, not workflow logic', () => {
    const clients = ['client', 'cli', 'bench', 'tower'];
    // measure.ts is pure measurement that the live views compute the same way as the report.
    const allowed = new Set(['workflows/contract.ts', 'workflows/measure.ts']);
    expect(edges.filter(([from, to]) => clients.includes(folder(from)) && folder(to) === 'workflows' && !allowed.has(to))).toEqual([]);
  });
});
