import { readFile, stat } from 'node:fs/promises';
import { Command, type CommanderError } from 'commander';
import type { KeyObject } from 'node:crypto';
import { publicKeyFrom, verifyChain, verifyResult, verifySignature } from '../../report/evidence.js';
import { parseResultJson } from '../../report/schema.js';
import { readStoredResult, scanResults, type ReportStore } from '../../report/store.js';
import { reportStoreFromEnv, reportStoreName, storeFromLocation } from '../../report/store-config.js';
import { findPreviousResult, parseFormats, REPORT_FORMATS, writeHistoryIndex, writeReports } from '../../report/write.js';
import type { DrillResult } from '../../report/result.js';
import { UsageError } from '../errors.js';
import { REPORT_STORE_ENV, withHelp } from '../help.js';

// `firedrill report`: render a stored drill result, verify its evidence hash, rebuild the
// history index. Bad input (missing file, not a result, unknown format) is a one-line message
// and exit 2, never a stack trace.

/** The store a --from/--out/--chain location names (s3://bucket/prefix, dir:/path, a path), else the configured one. */
function storeAt(location?: string): { store: ReportStore; name: string } {
  try {
    return location === undefined
      ? { store: reportStoreFromEnv(), name: reportStoreName() }
      : { store: storeFromLocation(location), name: location };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A directory store whose directory is missing is a mistyped path, not an empty store. */
async function mustExist(at: { store: ReportStore; name: string }): Promise<void> {
  const where = at.store.where('');
  if (where.startsWith('s3://')) return;
  if (!(await stat(where).then((s) => s.isDirectory(), () => false))) throw new UsageError(`no reports directory at ${where}`);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readResult(file: string): Promise<DrillResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = parseResultJson(text, file);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return parsed.result;
}

/** A result.json path, or a workflow id looked up in the report store. */
async function resolveResult(ref: string, at: { store: ReportStore; name: string }): Promise<DrillResult> {
  if (await isFile(ref)) return readResult(ref);
  if (ref.endsWith('.json')) throw new UsageError(`no such file: ${ref}`);
  const found = await readStoredResult(at.store, ref).catch((err: Error) => { throw new UsageError(`cannot read the report store ${at.name}: ${err.message}`); });
  if (found) return found.result;
  throw new UsageError(`no result for run id "${ref}" in ${at.store.where('')} (looked for <drill>/${ref}/result.json at any depth); pass a result.json path or set --from / FIREDRILL_REPORT_STORE`);
}

function print(lines: string[], stream: NodeJS.WriteStream = process.stdout): void {
  if (lines.length) stream.write(`${lines.join('\n')}\n`);
}

/** Commander's own usage errors (missing argument, unknown option) also exit 2. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}

export function registerReport(program: Command): void {
  const report = program.command('report')
    .description('write the reports of a drill run (JSON, Markdown, HTML, PDF) and rebuild the history index')
    .argument('<run-id|result.json>', 'a result.json file, or a workflow id whose result is stored under the reports directory')
    .option('--format <list>', `comma-separated formats: ${REPORT_FORMATS.join(',')} (default: all; result.json is always written)`)
    .option('--out <store>', 'report store to write to: a directory, dir:/path or s3://bucket/prefix (default: the --from store)')
    .option('--from <store>', 'report store a run id is looked up in (default: $FIREDRILL_REPORT_STORE, $FIREDRILL_REPORT_DIR or ./reports)')
    .addHelpText('after', `
Files are written to <out>/<drill>/<workflow id>/ as result.json, report.md, report.html and
report.pdf, and <out>/index.html (+ index.json) is rebuilt to list every run. A run id is looked
up under --from (then under --out). The report compares the run with the previous run of the same
drill found under --from. The PDF needs Chromium
(/usr/bin/chromium, or FIREDRILL_CHROMIUM); without it the other formats are still written.

Examples:
  firedrill report reports/zone-a-loss/drill-zone-a-loss-20261103/result.json --format html,pdf
  firedrill report drill-zone-a-loss-20261103 --out ./reports
  firedrill report verify result.json --public-key signing.pub.pem
  firedrill report verify --chain reports --public-key signing.pub.pem
  FIREDRILL_S3_ENDPOINT=http://seaweedfs:8333 firedrill report verify --chain s3://drill-reports/prod
  firedrill report history --json`)
    .exitOverride(usageExit)
    .action(async (ref: string, opts: { format?: string; out?: string; from?: string }) => {
      const formats = parseFormats(opts.format ?? REPORT_FORMATS.join(','));
      if (!formats.ok) throw new UsageError(formats.message);
      // Rendering a stored run into another store (--out) still finds it where runs are kept.
      const from = storeAt(opts.from);
      const out = opts.out === undefined ? from : storeAt(opts.out);
      const result = await resolveResult(ref, from).catch(async (err: unknown) => {
        if (out === from) throw err;
        return resolveResult(ref, out).catch(() => { throw err; });
      });
      const previous = await findPreviousResult(from.store, result.drill.name, result.run.startedAt);
      const written = await writeReports(result, { outDir: out.store, formats: formats.formats, previous });
      print(written.files.map((f) => `wrote ${f}`));
      print(written.warnings.map((w) => `warning: ${w}`), process.stderr);
    });

  report.command('verify')
    .description('check a result.json against its recorded sha256 and, with --public-key, its signature; --chain DIR checks every stored run (exit 0 ok, 1 not)')
    .argument('[result.json]', 'the result file to check')
    .option('--public-key <file>', 'the ed25519 public key (PEM, or an ssh-ed25519 line) whose signature must be on the result')
    .option('--chain <store>', 'check every result in this report store (a directory or s3://bucket/prefix) and the chain linking each drill\'s runs')
    .addHelpText('after', `
The hash is sha256 over the canonical JSON (keys sorted at every depth) of the result without
its "evidence" field (but with evidence.previousResultSha256, the link to the drill's previous
stored result). Without --public-key only integrity is checked: anyone who can write the file can
also re-hash it. With it, the ed25519 signature (FIREDRILL_SIGNING_KEY on the worker) over the
hash and the link must be by that key. --chain DIR: every result's hash, and each run's link to
the one stored before it: a removed or edited run breaks the link of the run after it (the
newest run's removal is not visible in the chain). Exit 0: all hold. Exit 1: a mismatch, a
missing or wrong signature, a broken link. Exit 2: missing file or key, not a result.`)
    .exitOverride(usageExit)
    .action(async (file: string | undefined, opts: { publicKey?: string; chain?: string }) => {
      let key: KeyObject | undefined;
      if (opts.publicKey) {
        const text = await readFile(opts.publicKey, 'utf8').catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read ${opts.publicKey}: ${err.code ?? err.message}`); });
        try {
          key = publicKeyFrom(text);
        } catch (err) {
          throw new UsageError(`${opts.publicKey}: ${(err as Error).message}`);
        }
      }
      const authenticity = (r: DrillResult): { ok: boolean; line: string } => {
        if (key) {
          const s = verifySignature(r, key);
          return { ok: s.ok, line: `  signature: ${s.ok ? s.message : `FAILED: ${s.message}`}` };
        }
        const by = r.evidence?.signature ? ` (signed by ${r.evidence.signature.keyFingerprint}; pass --public-key to check it)` : '';
        return { ok: true, line: `  integrity only, not authenticity: no --public-key was given${by}` };
      };
      if (opts.chain) {
        const at = storeAt(opts.chain);
        await mustExist(at);
        const { results, warnings } = await scanResults(at.store).catch((err: Error) => { throw new UsageError(`cannot read the report store ${at.name}: ${err.message}`); });
        const chain = verifyChain(results);
        const lines: string[] = [];
        let bad = chain.problems.length > 0 || warnings.length > 0;
        for (const p of chain.problems) lines.push(`BROKEN: ${p.file}: ${p.message}`);
        for (const w of warnings) lines.push(`BROKEN: ${w}`);
        if (key) {
          for (const s of results) {
            const a = authenticity(s.result);
            if (!a.ok) { bad = true; lines.push(`BROKEN: ${s.file}:${a.line.replace(/^ {2}signature:/, '')}`); }
          }
        }
        lines.push(`${bad ? 'chain broken' : 'ok'}: ${chain.checked} result(s) under ${opts.chain}${key ? ', every signature checked' : '; integrity only, not authenticity: no --public-key was given'}`);
        print(lines);
        if (bad) process.exitCode = 1;
        return;
      }
      if (!file) throw new UsageError('give a result.json, or --chain DIR');
      const result = await readResult(file);
      const v = verifyResult(result);
      const a = authenticity(result);
      print([
        `${v.ok && a.ok ? 'ok' : 'MISMATCH'}: ${file}`,
        `  recorded: ${v.expected ?? '(not sealed)'}`,
        `  content:  ${v.actual}`,
        a.line,
      ]);
      if (!v.ok || !a.ok) process.exitCode = 1;
    });

  report.command('history')
    .description('rebuild the history index (every run of every drill, RTO/RPO trend per quarter)')
    .option('--json', 'print the index as JSON instead of the file names')
    .option('--out <store>', 'report store: a directory or s3://bucket/prefix (default: $FIREDRILL_REPORT_STORE, $FIREDRILL_REPORT_DIR or ./reports)')
    .addHelpText('after', `
Reads every <drill>/<run>/result.json in the store (at any depth: a drill's report.outDir is a key
prefix) and writes index.html and index.json at the store's root.`)
    .exitOverride(usageExit)
    .action(async function (this: Command) {
      // --out may have been taken by the parent command's option of the same name.
      const opts = this.optsWithGlobals<{ json?: boolean; out?: string }>();
      const at = storeAt(opts.out);
      await mustExist(at);
      const index = await writeHistoryIndex(at.store);
      if (opts.json) process.stdout.write((await at.store.read('index.json')) ?? '');
      else print(index.files.map((f) => `wrote ${f}`));
      print(index.warnings.map((w) => `warning: ${w}`), process.stderr);
    });
  withHelp(report, { environment: [...REPORT_STORE_ENV, 'FIREDRILL_CHROMIUM'], exitCodes: [[0, 'written'], [2, 'error: no such run or file, not a result, bad --format']] });
  for (const sub of report.commands) {
    withHelp(sub, sub.name() === 'verify'
      ? { environment: REPORT_STORE_ENV, exitCodes: [[0, 'the content matches its recorded sha256 (and the signature, the chain)'], [1, 'mismatch, never sealed, bad signature or broken chain'], [2, 'missing file or key, not a result']] }
      : { environment: REPORT_STORE_ENV, exitCodes: [[0, 'written'], [2, 'error: the reports directory cannot be read or written']] });
  }
}
