import type { Command } from 'commander';
import { expandDrillPaths } from '../../drills/catalog-files.js';
import type { Env } from '../../drills/env-substitution.js';
import { isGameDayFile, loadGameDayFile } from '../../drills/gameday/load.js';
import { loadDrillFiles, type LoadOptions } from '../../drills/load.js';
import { formatProblem, locateInSource, type Problem } from '../../drills/positions.js';
import { drillWarnings } from '../../drills/warnings.js';
import { EXIT } from '../errors.js';

export interface FileVerdict {
  file: string;
  valid: boolean;
  problems: Problem[];
  /** Meant otherwise than it reads, but valid: printed, never failing. */
  warnings: Problem[];
}

export interface ValidateReport {
  valid: boolean;
  files: FileVerdict[];
}

export interface ValidateOutcome {
  exitCode: number;
  /** What the command prints: one line per problem and a summary, or one JSON document. */
  lines: string[];
  report: ValidateReport;
}

/**
 * Validates drill and game-day files (folders: every YAML file under them); the pure core of
 * `firedrill validate`. Schema problems, references, drill names across files and game days are
 * all checked in one run. Never throws for bad input.
 */
export async function validateFiles(paths: readonly string[], opts: { json?: boolean; env?: Env } = {}): Promise<ValidateOutcome> {
  const unique = [...new Set(await expandDrillPaths(paths))];
  // Stricter than `run`: a drill without objectives cannot fail, so the catalog refuses it.
  const load: LoadOptions = { requireObjectives: true, ...(opts.env ? { env: opts.env } : {}) };
  // Game-day files (kind: GameDay) are checked with the drills they name; the rest are drills.
  const isDay = await Promise.all(unique.map((f) => isGameDayFile(f)));
  const days = unique.filter((_, i) => isDay[i]);
  const loaded = await loadDrillFiles(unique.filter((_, i) => !isDay[i]), load);
  const files: FileVerdict[] = loaded.map((r) => ({
    file: r.file, valid: r.ok, problems: r.ok ? [] : r.problems, warnings: r.ok ? drillWarnings(r.file, r.spec, r.source) : [],
  }));

  // Drill names key their schedules and their report history: two files must not share one,
  // and a file with other problems still has its name checked.
  const firstByName = new Map<string, string>();
  loaded.forEach((r, i) => {
    const name = r.ok ? r.spec.metadata.name : r.name;
    const source = r.source;
    if (name === undefined || source === undefined) return;
    const first = firstByName.get(name);
    if (first === undefined) {
      firstByName.set(name, r.file);
      return;
    }
    const verdict = files[i];
    if (!verdict) return;
    const { line, col } = locateInSource(source, ['metadata', 'name']);
    verdict.valid = false;
    verdict.problems.push({ file: r.file, line, col, path: 'metadata.name', message: `drill name "${name}" is already used by ${first}` });
    verdict.problems.sort((a, b) => a.line - b.line || a.col - b.col);
  });

  // A drill named by a game day and also given itself lists its problems once, with the drill.
  const listed = new Set(files.flatMap((f) => f.problems.map(formatProblem)));
  for (const file of days) {
    const r = await loadGameDayFile(file, load);
    const problems = r.ok ? [] : r.problems.filter((p) => p.file === file || !listed.has(formatProblem(p)));
    files.push({ file, valid: r.ok, problems, warnings: [] });
  }

  const report: ValidateReport = { valid: files.every((f) => f.valid), files };
  const exitCode = report.valid ? EXIT.ok : EXIT.invalid;
  if (opts.json) return { exitCode, lines: [JSON.stringify(report, null, 2)], report };

  const problems = files.flatMap((f) => f.problems);
  const invalidFiles = files.filter((f) => !f.valid).length;
  const warnings = files.flatMap((f) => f.warnings);
  const lines = [...problems.map(formatProblem), ...warnings.map((w) => formatProblem({ ...w, message: `warning: ${w.message}` }))];
  const warned = warnings.length ? `, ${warnings.length} warning(s)` : '';
  lines.push(report.valid ? `${files.length} file(s) valid${warned}` : `${problems.length} problem(s) in ${invalidFiles} file(s)${warned}`);
  return { exitCode, lines, report };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check drill and game-day files against their schemas without touching any cluster')
    .argument('<files...>', 'drill or game-day files (YAML), or folders of them, e.g. drills/')
    .option('--json', 'print { valid, files: [{ file, valid, problems: [{ file, line, col, path, message }] }] }')
    .addHelpText(
      'after',
      [
        '',
        'Each problem is printed as `file:line:col field.path: reason`, followed by a summary line.',
        'All problems are reported in one run. Checks: the YAML itself (one document, UTF-8, at most',
        '1 MiB, no alias bombs), unknown fields (with the closest known one) and missing fields,',
        'allowed values, durations (500ms, 90s, 5m, 1h30m), ${FIREDRILL_*} placeholders, probe and',
        'objective references, at least one objective, cron and time zone, blast-radius permissions,',
        'and drill names unique across the given files.',
        '',
        'A folder stands for every *.yaml file under it. A game-day file (kind: GameDay) is checked',
        'together with every drill it names.',
        '',
        'Environment:',
        '  FIREDRILL_SIMULATOR_URL  and any other ${NAME} a drill file names (an unset one is a problem)',
        '',
        'Exit codes:',
        '  0  every file is a valid drill or game day',
        '  1  at least one file is invalid (or unreadable)',
      ].join('\n'),
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      try {
        const outcome = await validateFiles(files, opts);
        process.stdout.write(`${outcome.lines.join('\n')}\n`);
        process.exitCode = outcome.exitCode;
      } catch (err) {
        // Bad input never lands here (it becomes a problem); this is a bug, reported in one line.
        process.stderr.write(`firedrill validate: ${(err as Error)?.message ?? String(err)}\n`);
        process.exitCode = EXIT.invalid;
      }
    });
}
