import { createDirStore } from './dir-store.js';
import { createS3Store } from './s3-store.js';
import type { ReportStore } from './store-types.js';
import { storeKeyProblem } from './store-key.js';

// Which report store a process uses, from its environment, parsed once and strictly:
//   FIREDRILL_REPORT_STORE  s3://bucket[/prefix], dir:/path, or a plain path
//   FIREDRILL_REPORT_DIR    the directory store's path (the default store, ./reports)
//   FIREDRILL_S3_ENDPOINT   an S3-compatible server's URL (path-style), AWS_REGION its region
// The two store variables together are a contradiction, refused rather than guessed at.

export type StoreEnv = { [K in 'FIREDRILL_REPORT_STORE' | 'FIREDRILL_REPORT_DIR' | 'FIREDRILL_S3_ENDPOINT' | 'AWS_REGION' | 'AWS_DEFAULT_REGION']?: string | undefined };

/** A store from its location: `s3://bucket/prefix`, `dir:/path` or a path. Throws on a bad one. */
export function storeFromLocation(location: string, env: StoreEnv = process.env): ReportStore {
  if (location.startsWith('s3://')) {
    const [bucket = '', ...rest] = location.slice('s3://'.length).split('/');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`report store ${location}: "${bucket}" is not an S3 bucket name (3-63 lower-case letters, digits, "." and "-")`);
    const prefix = rest.join('/').replace(/\/$/, '');
    const problem = prefix ? storeKeyProblem(prefix) : undefined;
    if (problem) throw new Error(`report store ${location}: the prefix ${problem}`);
    const endpoint = env.FIREDRILL_S3_ENDPOINT?.trim() || undefined;
    if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) throw new Error(`FIREDRILL_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
    const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined;
    return createS3Store({ bucket, prefix, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new Error(`report store ${location}: only s3:// buckets and directories are supported`);
  const dir = location.startsWith('dir:') ? location.slice('dir:'.length) : location;
  if (!dir) throw new Error('report store dir: names no directory');
  return createDirStore(dir);
}

/** The configured store: FIREDRILL_REPORT_STORE, else FIREDRILL_REPORT_DIR, else ./reports. */
export function reportStoreFromEnv(env: StoreEnv = process.env): ReportStore {
  const store = env.FIREDRILL_REPORT_STORE?.trim();
  const dir = env.FIREDRILL_REPORT_DIR?.trim();
  if (store && dir) throw new Error('set FIREDRILL_REPORT_STORE or FIREDRILL_REPORT_DIR, not both (FIREDRILL_REPORT_DIR=/x is FIREDRILL_REPORT_STORE=dir:/x)');
  return storeFromLocation(store || dir || 'reports', env);
}

/** For messages: the store the environment names, without building it. */
export function reportStoreName(env: StoreEnv = process.env): string {
  return env.FIREDRILL_REPORT_STORE?.trim() || env.FIREDRILL_REPORT_DIR?.trim() || 'reports';
}
