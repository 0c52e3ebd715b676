import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';

// What activities are built from: the worker (the composition root) provides the real ones,
// tests provide their own.
export interface ActivityDeps {
  /** KubeConfig for a drill's kube context (undefined = the default context). */
  kubeFor: (context?: string) => k8s.KubeConfig;
  log: Logger;
  /** For the janitor: is a run still open? */
  temporal?: Client;
  /** Overrides the drill's report.outDir (FIREDRILL_REPORT_DIR). */
  reportDir?: string;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  workerNode?: string;
}
