import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../../cli/help.js';
import { buildProgram } from '../../../cli/program.js';

// Every command's --help has the same sections: usage and options (commander's), then the
// environment it reads and its exit codes.

function leaves(cmd: Command, path: string[] = []): Array<{ path: string; cmd: Command }> {
  if (!cmd.commands.length) return [{ path: path.join(' '), cmd }];
  return cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
}

function helpOf(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => { out += s; }, writeErr: (s) => { out += s; } });
  cmd.outputHelp();
  return out;
}

describe('help', () => {
  const program = buildProgram();
  const commands = leaves(program);

  it('covers every command', () => {
    expect(commands.map((c) => c.path)).toEqual(expect.arrayContaining(['run', 'status', 'approve', 'abort', 'janitor', 'worker', 'dev up', 'schedule sync', 'report verify']));
  });

  it.each(commands.map((c) => [c.path, c.cmd] as const))('%s --help has usage, options, environment and exit codes', (_path, cmd) => {
    const text = helpOf(cmd);
    expect(text).toMatch(/^Usage: firedrill /);
    expect(text).toMatch(/\nOptions:\n/);
    expect(text).toMatch(/\nEnvironment:/);
    expect(text).toMatch(/\nExit codes:\n {2}0 {2}/);
  });

  it('lists every environment variable at the top level, and says how to run it', () => {
    const text = helpOf(program);
    for (const name of Object.keys(ENVIRONMENT)) expect(text).toContain(name);
    expect(text).toContain('npx firedrill');
  });
});
