import fs from 'node:fs/promises';
import path from 'node:path';
import { run, which } from './exec.js';
import { StackError } from './errors.js';
import { withLock } from './lock.js';
import { cacheRoot, projectRoot } from './paths.js';
import { ETCD_VERSION, KUBE_VERSION, KWOK_VERSION, SEAWEEDFS_VERSION, TEMPORAL_CLI_VERSION, TEMPORAL_SERVER_VERSION } from './versions.js';

export type Progress = (message: string) => void;

interface Manifest {
  tool: string;
  version: string;
  files: Record<string, number>;
  builtAt: string;
}

/** Binaries of a cache entry, or undefined when the entry is missing or damaged. */
async function readEntry(dir: string, names: string[]): Promise<Record<string, string> | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const name of names) {
    const file = path.join(dir, 'bin', name);
    // A size check catches half-deleted or truncated entries without hashing ~300 MB each time.
    const size = await fs.stat(file).then((s) => s.size, () => -1);
    if (size <= 0 || manifest.files[name] !== size) return undefined;
    out[name] = file;
  }
  return out;
}

/**
 * Returns the binaries of tool@version from the cache, building them under a lock when missing.
 * The build writes into a scratch directory that is renamed into place only when complete, so
 * an interrupted build never leaves an entry that looks usable.
 */
export async function ensureEntry(
  tool: string,
  version: string,
  names: string[],
  build: (binDir: string) => Promise<void>,
  progress: Progress,
): Promise<Record<string, string>> {
  const root = cacheRoot();
  const dir = path.join(root, `${tool}-${version}`);
  const cached = await readEntry(dir, names);
  if (cached) return cached;
  return withLock(root, `${tool}-${version}`, async () => {
    const again = await readEntry(dir, names);
    if (again) return again;
    const scratch = `${dir}.partial-${process.pid}`;
    await fs.rm(scratch, { recursive: true, force: true });
    await fs.mkdir(path.join(scratch, 'bin'), { recursive: true });
    progress(`building ${tool} ${version} (cached in ${dir} once built)`);
    const started = Date.now();
    try {
      await build(path.join(scratch, 'bin'));
    } catch (err) {
      await fs.rm(scratch, { recursive: true, force: true });
      throw err;
    }
    const files: Record<string, number> = {};
    for (const name of names) {
      const stat = await fs.stat(path.join(scratch, 'bin', name)).catch(() => undefined);
      if (!stat) throw new StackError(`building ${tool} ${version} did not produce ${name}`);
      files[name] = stat.size;
    }
    const manifest: Manifest = { tool, version, files, builtAt: new Date().toISOString() };
    await fs.writeFile(path.join(scratch, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(scratch, dir);
    progress(`built ${tool} ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
    const entry = await readEntry(dir, names);
    if (!entry) throw new StackError(`cache entry ${dir} is unreadable right after building it`);
    return entry;
  });
}

async function requireGo(tool: string, envVar: string): Promise<string> {
  const go = process.env.FIREDRILL_GO ?? (await which('go'));
  if (!go) {
    throw new StackError(
      `${tool} is not in the cache and Go is not installed, so it cannot be built`,
      `install Go >= 1.24 (it builds ${tool} from the Go module proxy), or set ${envVar} to an existing binary`,
    );
  }
  return go;
}

async function goBuild(go: string, args: string[], cwd: string, what: string, progress: Progress, env: NodeJS.ProcessEnv = {}) {
  const res = await run(go, args, {
    cwd,
    env: { ...process.env, CGO_ENABLED: '0', ...env },
    onLine: (line) => {
      if (line.startsWith('go: downloading')) progress(line);
    },
  });
  if (res.code !== 0) {
    throw new StackError(`building ${what} failed (go exited ${res.code}):\n${res.stderr.split('\n').slice(-20).join('\n')}`);
  }
}

/** Honours an explicit binary from the environment, checking it exists. */
async function fromEnv(envVar: string): Promise<string | undefined> {
  const file = process.env[envVar];
  if (!file) return undefined;
  const ok = await fs.access(file).then(() => true, () => false);
  if (!ok) throw new StackError(`${envVar} names ${file}, which does not exist`);
  return file;
}

export async function ensureTemporal(progress: Progress): Promise<string> {
  const explicit = (await fromEnv('FIREDRILL_TEMPORAL_BIN')) ?? (await which('temporal'));
  if (explicit) return explicit;
  const entry = await ensureEntry('temporal', TEMPORAL_CLI_VERSION, ['temporal'], async (binDir) => {
    const go = await requireGo('the Temporal CLI', 'FIREDRILL_TEMPORAL_BIN');
    // v1.5.1 has no replace directive, so `go install module@version` works from anywhere.
    await goBuild(go, ['install', '-trimpath', '-ldflags=-s -w', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      cacheRoot(), 'the Temporal CLI', progress, { GOBIN: binDir });
  }, progress);
  return entry.temporal as string;
}

export const KUBE_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;
export type KubeBinaries = Record<(typeof KUBE_BINARIES)[number], string>;

export async function ensureKube(progress: Progress): Promise<KubeBinaries> {
  const dir = process.env.FIREDRILL_KUBE_BIN_DIR;
  if (dir) {
    const out: Record<string, string> = {};
    for (const name of KUBE_BINARIES) {
      out[name] = path.join(dir, name);
      await fs.access(out[name]).catch(() => {
        throw new StackError(`FIREDRILL_KUBE_BIN_DIR=${dir} has no ${name}`);
      });
    }
    return out as KubeBinaries;
  }
  const entry = await ensureEntry('kube', KUBE_VERSION, [...KUBE_BINARIES], async (binDir) => {
    const go = await requireGo('Kubernetes', 'FIREDRILL_KUBE_BIN_DIR');
    const [, minor] = KUBE_VERSION.slice(1).split('.');
    const ldflags = [
      '-s', '-w',
      `-X k8s.io/component-base/version.gitVersion=${KUBE_VERSION}`,
      '-X k8s.io/component-base/version.gitMajor=1',
      `-X k8s.io/component-base/version.gitMinor=${minor}`,
      '-X k8s.io/component-base/version.gitTreeState=clean',
      `-X k8s.io/client-go/pkg/version.gitVersion=${KUBE_VERSION}`,
    ].join(' ');
    // k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces staging modules with local
    // paths); tools/kube is a wrapper module that pins each staging module instead.
    await goBuild(go, ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', `${binDir}/`,
      ...KUBE_BINARIES.map((b) => `k8s.io/kubernetes/cmd/${b}`)],
    path.join(projectRoot, 'tools', 'kube'), `Kubernetes ${KUBE_VERSION}`, progress, { GOFLAGS: '-mod=mod -buildvcs=false' });
  }, progress);
  return entry as KubeBinaries;
}

export interface KwokTool {
  kwok: string;
  /** Stage definitions: kwok v0.8 has no built-in stages, they ship in the module's kustomize tree. */
  stagesFile: string;
}

const KWOK_STAGE_DIRS = ['node/fast', 'node/heartbeat-with-lease', 'pod/fast'];
/** Bumped when the stage edits below change, so cached entries are rebuilt. */
const KWOK_STAGES_REVISION = 2;

/**
 * The fast stages make a pod ready the instant it is scheduled, faster than any real service
 * starts. This adds kwok's own delay hook to pod-ready, so a workload can declare its startup
 * time with the annotation pod-ready.stage.kwok.x-k8s.io/delay (e.g. "8s"); without it pods
 * stay instant.
 */
export function withReadyDelay(stage: string): string {
  if (!/name: pod-ready\b/.test(stage) || stage.includes('delay:')) return stage;
  return stage.replace(/^  next:$/m, [
    '  delay:',
    '    durationMilliseconds: 0',
    '    durationFrom:',
    `      expressionFrom: '.metadata.annotations["pod-ready.stage.kwok.x-k8s.io/delay"]'`,
    '  next:',
  ].join('\n'));
}

export async function ensureKwok(progress: Progress): Promise<KwokTool> {
  const entry = await ensureEntry('kwok', `${KWOK_VERSION}-stages${KWOK_STAGES_REVISION}`, ['kwok', 'stages.yaml'], async (binDir) => {
    const go = await requireGo('kwok', 'FIREDRILL_KWOK_BIN');
    await goBuild(go, ['install', '-trimpath', '-ldflags=-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
      cacheRoot(), 'kwok', progress, { GOBIN: binDir });
    const dl = await run(go, ['mod', 'download', '-json', `sigs.k8s.io/kwok@${KWOK_VERSION}`], { cwd: cacheRoot() });
    const moduleDir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new StackError(`could not locate the kwok ${KWOK_VERSION} module source: ${dl.stderr}`);
    const docs: string[] = [];
    for (const sub of KWOK_STAGE_DIRS) {
      const stageDir = path.join(moduleDir, 'kustomize', 'stage', sub);
      for (const file of (await fs.readdir(stageDir)).filter((f) => f.endsWith('.yaml')).sort()) {
        docs.push(withReadyDelay(await fs.readFile(path.join(stageDir, file), 'utf8')));
      }
    }
    await fs.writeFile(path.join(binDir, 'stages.yaml'), docs.map((d) => d.trim()).join('\n---\n') + '\n');
  }, progress);
  const kwok = (await fromEnv('FIREDRILL_KWOK_BIN')) ?? (entry.kwok as string);
  return { kwok, stagesFile: entry['stages.yaml'] as string };
}

/**
 * etcd: built from the pinned Go module (tools/etcd); Debian's etcd-server 3.4 is the fallback
 * when Go is missing. 3.4 lacks watch progress requests, so Kubernetes clients fall back to
 * slower re-lists and pods take seconds longer to react: fine for a try, not for measurements.
 */
export async function ensureEtcd(progress: Progress): Promise<string> {
  const explicit = await fromEnv('FIREDRILL_ETCD_BIN');
  if (explicit) return explicit;
  const go = process.env.FIREDRILL_GO ?? (await which('go'));
  if (go) {
    const entry = await ensureEntry('etcd', ETCD_VERSION, ['etcd'], async (binDir) => {
      await goBuild(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(binDir, 'etcd'), 'go.etcd.io/etcd/server/v3'],
        path.join(projectRoot, 'tools', 'etcd'), `etcd ${ETCD_VERSION}`, progress, { GOFLAGS: '-mod=mod -buildvcs=false' });
    }, progress);
    return entry.etcd as string;
  }
  const onPath = await which('etcd');
  if (onPath) return onPath;
  const apt = await which('apt-get');
  if (!apt || process.getuid?.() !== 0) {
    throw new StackError('etcd is not installed and Go is not there to build it',
      'install Go >= 1.24, or etcd (Debian/Ubuntu: apt-get install etcd-server), or set FIREDRILL_ETCD_BIN');
  }
  return withLock(cacheRoot(), 'apt', async () => {
    const again = await which('etcd');
    if (again) return again;
    progress('installing etcd-server with apt-get');
    // RUNLEVEL=1 keeps the package's own service from starting: the stack runs its own etcd.
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
    let res = await run(apt, ['install', '-y', '-q', 'etcd-server'], { env });
    if (res.code !== 0) {
      await run(apt, ['update', '-q'], { env });
      res = await run(apt, ['install', '-y', '-q', 'etcd-server'], { env });
    }
    const etcd = await which('etcd');
    if (res.code !== 0 || !etcd) throw new StackError(`apt-get install etcd-server failed:\n${res.stderr.slice(-2000)}`);
    return etcd;
  });
}

export interface TemporalServerTool {
  server: string;
  sqlTool: string;
  /** The module's schema/postgresql/v12 tree as one JSON file ({ "temporal/versioned/v1.0/...": sql }). */
  schemaFile: string;
}

async function filesUnder(dir: string, prefix = ''): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await filesUnder(path.join(dir, entry.name), rel));
    else out.push([rel, await fs.readFile(path.join(dir, entry.name), 'utf8')]);
  }
  return out;
}

/**
 * The real Temporal server and temporal-sql-tool, built from go.temporal.io/server. The
 * PostgreSQL schema ships in the module, not in the binaries: the entry keeps a copy, so
 * migrations never depend on the Go module cache still holding the source.
 */
export async function ensureTemporalServer(progress: Progress): Promise<TemporalServerTool> {
  const names = ['temporal-server', 'temporal-sql-tool', 'postgresql-schema.json'];
  const entry = await ensureEntry('temporal-server', TEMPORAL_SERVER_VERSION, names, async (binDir) => {
    const go = await requireGo('the Temporal server', 'FIREDRILL_GO');
    const mod = `go.temporal.io/server`;
    // The release has no replace directive, so `go install module@version` builds it as published.
    await goBuild(go, ['install', '-trimpath', '-ldflags=-s -w', `${mod}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${mod}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
      cacheRoot(), `the Temporal server ${TEMPORAL_SERVER_VERSION}`, progress, { GOBIN: binDir });
    await fs.rename(path.join(binDir, 'server'), path.join(binDir, 'temporal-server'));
    await fs.rename(path.join(binDir, 'sql'), path.join(binDir, 'temporal-sql-tool'));
    const dl = await run(go, ['mod', 'download', '-json', `${mod}@${TEMPORAL_SERVER_VERSION}`], { cwd: cacheRoot() });
    const moduleDir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new StackError(`could not locate the Temporal server ${TEMPORAL_SERVER_VERSION} module source: ${dl.stderr}`);
    const schema = Object.fromEntries(await filesUnder(path.join(moduleDir, 'schema', 'postgresql', 'v12')));
    await fs.writeFile(path.join(binDir, 'postgresql-schema.json'), JSON.stringify(schema));
  }, progress);
  return { server: entry['temporal-server'] as string, sqlTool: entry['temporal-sql-tool'] as string, schemaFile: entry['postgresql-schema.json'] as string };
}

/** SeaweedFS's `weed` (an S3-compatible server), for the bucket report store's tests. */
export async function ensureSeaweedfs(progress: Progress): Promise<string> {
  const explicit = await fromEnv('FIREDRILL_WEED_BIN');
  if (explicit) return explicit;
  const entry = await ensureEntry('seaweedfs', SEAWEEDFS_VERSION, ['weed'], async (binDir) => {
    const go = await requireGo('SeaweedFS', 'FIREDRILL_WEED_BIN');
    const mod = 'github.com/seaweedfs/seaweedfs';
    // Its go.mod has a replace directive, which `go install module@version` refuses: build it
    // as the main module, in its own source tree, with its own go.sum.
    const dl = await run(go, ['mod', 'download', '-json', `${mod}@${SEAWEEDFS_VERSION}`], { cwd: cacheRoot() });
    const moduleDir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new StackError(`could not download the SeaweedFS ${SEAWEEDFS_VERSION} module source: ${dl.stderr}`);
    await goBuild(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(binDir, 'weed'), './weed'],
      moduleDir, `SeaweedFS ${SEAWEEDFS_VERSION}`, progress, { GOFLAGS: '-mod=readonly -buildvcs=false' });
  }, progress);
  return entry.weed as string;
}
