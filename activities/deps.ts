import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ReportStore } from '../report/store-types.js';

// What activities are built from: the worker (the composition root) provides the real ones,
// tests provide their own.
export interface ActivityDeps {
  /** KubeConfig for a drill's kube context (undefined = the default context). */
  kubeFor: (context?: string) => k8s.KubeConfig;
  log: Logger;
  /** For the janitor: is a run still open? */
  temporal?: Client;
  /** Where reports are written (FIREDRILL_REPORT_STORE); a drill's report.outDir is a key under it. */
  reportStore?: ReportStore;
  /** A directory store's path, when no reportStore is given (FIREDRILL_REPORT_DIR; default ./reports). */
  reportDir?: string;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  workerNode?: string;
}
