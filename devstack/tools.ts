import { ensureChromium } from './chromium.js';
import { ensurePostgres } from './postgres.js';
import { ensureEtcd, ensureKube, ensureKwok, ensureSeaweedfs, ensureTemporal, ensureTemporalServer, type Progress } from './provision.js';

// Everything the stack and the tests use, built or installed once into the cache, one after
// the other. On a cold machine the Go builds take most of two cores each; run beside the tests
// (which need them one by one) they slowed both, so `npm test` provisions them all first.

export interface ToolOutcome {
  tool: string;
  seconds: number;
  /** False when it was already there (cached, or named by the environment). */
  built: boolean;
  /** Why a tool that is optional is missing (Chromium: PDF reports and the browser tests are skipped). */
  missing?: string;
}

const STEPS: Array<[string, (p: Progress) => Promise<unknown>]> = [
  ['etcd', ensureEtcd],
  ['kubernetes', ensureKube],
  ['kwok', ensureKwok],
  ['temporal-cli', ensureTemporal],
  ['temporal-server', ensureTemporalServer],
  ['seaweedfs', ensureSeaweedfs],
  ['postgresql', ensurePostgres],
  ['chromium', ensureChromium],
];

export async function provisionTools(progress: Progress): Promise<ToolOutcome[]> {
  const out: ToolOutcome[] = [];
  for (const [tool, ensure] of STEPS) {
    const started = performance.now();
    let built = false;
    const res = await ensure((m) => { built = true; progress(m); });
    const missing = (res as { ok?: boolean; message?: string }).ok === false ? (res as { message?: string }).message : undefined;
    out.push({ tool, seconds: Math.round((performance.now() - started) / 100) / 10, built, ...(missing ? { missing } : {}) });
  }
  return out;
}
