import type { Command } from 'commander';

// Every command's --help has the same sections after commander's usage and options: the
// environment it reads, its exit codes, and examples with real id shapes.

export const ENVIRONMENT: Record<string, string> = {
  TEMPORAL_ADDRESS: 'Temporal frontend host:port (default: the embedded stack\'s, else 127.0.0.1:7233)',
  TEMPORAL_NAMESPACE: 'Temporal namespace (default: default)',
  TEMPORAL_TLS_CA: 'file: the CA of Temporal\'s server certificate (default: the system\'s CAs; the embedded real server\'s)',
  TEMPORAL_TLS_CERT: 'file: the client certificate for mTLS, with TEMPORAL_TLS_KEY',
  TEMPORAL_TLS_KEY: 'file: the client certificate\'s key',
  TEMPORAL_TLS_SERVER_NAME: 'the name Temporal\'s certificate is issued for, when not the address\'s host',
  TEMPORAL_TLS: 'true/false forces TLS on or off (default: on when a TEMPORAL_TLS_* file or an API key is set)',
  TEMPORAL_API_KEY: 'API key (Temporal Cloud), sent as a bearer token over TLS',
  FIREDRILL_TASK_QUEUE: 'task queue of the firedrill workers (default: firedrill)',
  FIREDRILL_TEMPORAL_UI: 'Temporal UI base URL, for links in reports and output',
  KUBECONFIG: 'kubeconfig file (default: the embedded stack\'s, else ~/.kube/config); a drill may name its own context',
  FIREDRILL_IDENTITY: 'who you are in approvals, aborts and pauses (default: user@host)',
  FIREDRILL_REPORT_STORE: 'the report store: s3://bucket[/prefix], dir:/path or a path (default: FIREDRILL_REPORT_DIR)',
  FIREDRILL_REPORT_DIR: 'the directory reports are written to and looked up in, when FIREDRILL_REPORT_STORE is unset (default: ./reports)',
  FIREDRILL_S3_ENDPOINT: 'an S3-compatible server\'s URL for an s3:// report store (credentials and AWS_REGION: the AWS SDK\'s usual variables)',
  FIREDRILL_LOG_LEVEL: 'worker log level: trace, debug, info, warn, error (default: info)',
  FIREDRILL_STATE_DIR: 'state of the embedded stack: databases, pid files, logs (default: ~/.cache/firedrill/state)',
  FIREDRILL_CACHE_DIR: 'built tools of the embedded stack (default: ~/.cache/firedrill)',
  FIREDRILL_DEV_PORT_BASE: 'move every port of the embedded stack into N..N+11, for a second stack',
  FIREDRILL_SIMULATOR_URL: 'the service simulator drills may name as ${FIREDRILL_SIMULATOR_URL} (default: the stack\'s)',
  FIREDRILL_CHROMIUM: 'Chromium for PDF reports (default: /usr/bin/chromium)',
  FIREDRILL_NODE_NAME: 'the node the worker runs on, so preflight refuses a target that contains it',
  FIREDRILL_SIGNING_KEY: 'worker: ed25519 private key (PEM text or file) that signs every result',
  FIREDRILL_POLICY_FILE: 'worker: its own policy (allowed contexts, fault modes, whole-cluster rules); also FIREDRILL_POLICY_* variables',
  'FIREDRILL_PROBE_*': 'worker: values a probe sends as headers (headersFromEnv), never written anywhere',
  FIREDRILL_TOWER_TOKEN: 'the control tower\'s bearer token, required when it listens off loopback (or --token-file)',
};

export const TEMPORAL_ENV = [
  'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_TLS',
  'TEMPORAL_API_KEY', 'FIREDRILL_TASK_QUEUE',
];
/** Where reports are: the store's own variables (AWS credentials are the SDK's). */
export const REPORT_STORE_ENV = ['FIREDRILL_REPORT_STORE', 'FIREDRILL_REPORT_DIR', 'FIREDRILL_S3_ENDPOINT'];
export const STACK_ENV = ['FIREDRILL_STATE_DIR', 'FIREDRILL_CACHE_DIR', 'FIREDRILL_DEV_PORT_BASE'];

export interface HelpSpec {
  environment: string[];
  exitCodes: Array<[number, string]>;
  examples?: string[];
}

export function helpSections(h: HelpSpec): string {
  const width = Math.max(...h.environment.map((n) => n.length));
  const env = h.environment.length
    ? ['', 'Environment:', ...h.environment.map((n) => `  ${n.padEnd(width)}  ${ENVIRONMENT[n] ?? ''}`)]
    : ['', 'Environment: none'];
  const exits = ['', 'Exit codes:', ...h.exitCodes.map(([c, m]) => `  ${c}  ${m}`)];
  const examples = h.examples?.length ? ['', 'Examples:', ...h.examples.map((e) => `  ${e}`)] : [];
  return [...env, ...exits, ...examples].join('\n');
}

export function withHelp<C extends Command>(cmd: C, h: HelpSpec): C {
  cmd.addHelpText('after', helpSections(h));
  return cmd;
}

/** The top-level help's list of every variable any command reads. */
export function environmentHelp(): string {
  const names = Object.keys(ENVIRONMENT);
  const width = Math.max(...names.map((n) => n.length));
  return ['', 'Environment (each command\'s --help says which it reads):', ...names.map((n) => `  ${n.padEnd(width)}  ${ENVIRONMENT[n]}`)].join('\n');
}

/** Exit codes shared by the commands that only talk to Temporal. */
export const CONTROL_EXITS: Array<[number, string]> = [
  [0, 'done'],
  [2, 'error: unknown run, Temporal unreachable, bad arguments'],
];
