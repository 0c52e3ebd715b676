import { Option, type Command } from 'commander';
import { stackDown, stackStatus, stackUp, type StackStatus } from '../../devstack/stack.js';
import { provisionTools } from '../../devstack/tools.js';
import { progressPrinter } from '../progress.js';
import { STACK_ENV, withHelp } from '../help.js';

function printStatus(s: StackStatus): void {
  const zones = Object.entries(s.nodesPerZone).sort(([a], [b]) => a.localeCompare(b))
    .map(([z, c]) => `${z}: ${c.ready}/${c.total} ready`).join(', ');
  process.stdout.write([
    `stack:      ${s.running ? 'running' : 'not running'}`,
    `temporal:   ${s.temporalAddress} (namespace ${s.temporalNamespace}; ${s.temporal.kind === 'server' ? `Temporal server ${s.temporal.version} on PostgreSQL, mTLS` : `dev server ${s.temporal.version}`})`,
    `ui:         ${s.temporalUiUrl || 'none (the real server has no UI)'}`,
    `tower:      ${s.towerUrl ?? 'not running (firedrill tower)'}`,
    `kubeconfig: ${s.kubeconfig}`,
    `apiserver:  ${s.kubeApiServer}`,
    `nodes:      ${zones || 'none'}`,
    `processes:  ${Object.entries(s.components).map(([n, c]) => `${n}${c.running ? '' : ' (down)'}`).join(', ')}`,
    ...(s.sites.length > 1 ? s.sites.map((site) => `${`${site.name}:`.padEnd(12)}context ${site.context}, ${site.apiServer}, zones ${site.zones.join(', ')}${site.running ? '' : ' (down)'}`) : []),
    '',
  ].join('\n'));
}

export function registerDev(program: Command): void {
  const dev = program.command('dev').description('the embedded local stack: Temporal dev server and a simulated three-zone Kubernetes');

  dev.command('up')
    .description('build (once, cached) and start the Temporal dev server, etcd, kube-apiserver, controller-manager, scheduler and kwok nodes in three zones; reuses a healthy running stack')
    .option('--nodes-per-zone <n>', 'simulated nodes in each of zone-a, zone-b, zone-c', (v) => Number(v), 4)
    .option('--sites <n>', '2 adds site-b: a second cluster (zone-d, zone-e) as kube context site-b beside site-a', (v) => Number(v), 1)
    .addOption(new Option('--temporal <kind>', 'dev: the Temporal CLI dev server (SQLite, UI); server: the real Temporal server on PostgreSQL with mTLS').choices(['dev', 'server']).default('dev'))
    .option('--json', 'print the stack status as JSON')
    .action(async (opts: { nodesPerZone: number; sites: number; temporal: 'dev' | 'server'; json?: boolean }) => {
      const res = await stackUp({ nodesPerZone: opts.nodesPerZone, sites: opts.sites as 1 | 2, temporal: opts.temporal, progress: progressPrinter('dev up') });
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...res.status, started: res.started, seconds: res.seconds, ...(res.siteBSeconds !== undefined ? { siteBSeconds: res.siteBSeconds } : {}) }, null, 2)}\n`);
      else {
        printStatus(res.status);
        process.stdout.write(`ready in ${res.seconds.toFixed(1)} s (started: ${res.started.join(', ') || 'nothing, reused the running stack'})\n`);
        if (res.siteBSeconds !== undefined) process.stdout.write(`site-b started in ${res.siteBSeconds.toFixed(1)} s\n`);
      }
    });

  dev.command('down')
    .description('stop the processes that `dev up` started (found by pid file); state is kept for the next `up`')
    .action(async () => {
      const progress = progressPrinter('dev down');
      progress('stopping the stack\'s processes (each gets up to 10 s to exit)');
      const stopped = await stackDown();
      process.stdout.write(stopped.length ? `stopped: ${stopped.join(', ')}\n` : 'nothing was running\n');
    });

  dev.command('status')
    .description('show whether the local stack runs, its addresses and its nodes per zone')
    .option('--json', 'print as JSON (temporalAddress, temporalUiUrl, kubeconfig, nodesPerZone, ...)')
    .action(async (opts: { json?: boolean }) => {
      const s = await stackStatus();
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else printStatus(s);
      if (!s.running) process.exitCode = 1;
    });
  dev.command('tools')
    .description('build or install, once and cached, every tool the stack and the tests use (etcd, Kubernetes, kwok, the Temporal CLI and server, SeaweedFS, PostgreSQL, Chromium), one after the other; `npm test` runs it first')
    .option('--json', 'print each tool with its time as JSON')
    .action(async (opts: { json?: boolean }) => {
      const tools = await provisionTools(progressPrinter('dev tools'));
      if (opts.json) process.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
      else {
        for (const t of tools) {
          process.stdout.write(`${t.tool.padEnd(16)}${t.built ? `ready in ${t.seconds} s` : 'cached'}${t.missing ? ` (missing: ${t.missing})` : ''}\n`);
        }
      }
    });

  const examples: Record<string, string> = { up: 'FIREDRILL_DEV_PORT_BASE=46000 firedrill dev up --nodes-per-zone 6', down: 'firedrill dev down', status: 'firedrill dev status --json', tools: 'firedrill dev tools --json' };
  for (const sub of dev.commands) {
    withHelp(sub, {
      environment: STACK_ENV,
      exitCodes: sub.name() === 'status'
        ? [[0, 'the stack is running'], [1, 'the stack is not running'], [2, 'error']]
        : [[0, 'done'], [2, 'error: a busy port, a failed build, a process that would not start or stop (named)']],
      examples: [examples[sub.name()] ?? `firedrill dev ${sub.name()}`],
    });
  }
}
