import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';
import type { KubeBinaries, KwokTool } from './provision.js';
import type { StackPorts } from './ports.js';
import { assertPortFree, logTail, runningPid, startProcess, waitFor } from './procs.js';

// A real control plane on loopback: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, with kwok standing in for the kubelets of simulated nodes. Authentication is a
// static admin token; the apiserver serves a self-signed certificate it generates itself, so no
// PKI tooling is needed.

export interface KubeFiles {
  dir: string;
  kubeconfig: string;
  saKey: string;
  saPub: string;
  tokens: string;
  etcdData: string;
  certDir: string;
}

export function kubeFiles(stateDir: string): KubeFiles {
  const dir = path.join(stateDir, 'kube');
  return {
    dir,
    kubeconfig: path.join(dir, 'admin.kubeconfig'),
    saKey: path.join(dir, 'sa.key'),
    saPub: path.join(dir, 'sa.pub'),
    tokens: path.join(dir, 'tokens.csv'),
    etcdData: path.join(dir, 'etcd'),
    certDir: path.join(dir, 'pki'),
  };
}

/** The key pair a cluster signs its service-account tokens with, made once. */
export async function ensureServiceAccountKey(saKey: string, saPub: string): Promise<void> {
  const haveKey = await fs.access(saKey).then(() => true, () => false);
  if (haveKey) return;
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  await fs.writeFile(saKey, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  await fs.writeFile(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
}

/** Writes keys, the token file and the admin kubeconfig once; later starts reuse them. */
async function ensureCredentials(files: KubeFiles, ports: StackPorts): Promise<string> {
  await fs.mkdir(files.certDir, { recursive: true });
  await ensureServiceAccountKey(files.saKey, files.saPub);
  let token: string;
  try {
    token = (await fs.readFile(files.tokens, 'utf8')).split(',')[0] ?? '';
  } catch {
    token = '';
  }
  if (!token) {
    token = crypto.randomBytes(24).toString('hex');
    await fs.writeFile(files.tokens, `${token},firedrill-admin,firedrill-admin,"system:masters"\n`, { mode: 0o600 });
  }
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'firedrill-dev', cluster: { server: `https://127.0.0.1:${ports.apiserver}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'firedrill-admin', user: { token } }],
    contexts: [{ name: 'firedrill-dev', context: { cluster: 'firedrill-dev', user: 'firedrill-admin' } }],
    'current-context': 'firedrill-dev',
  };
  await fs.writeFile(files.kubeconfig, YAML.stringify(kubeconfig), { mode: 0o600 });
  return token;
}

/** GET on the apiserver with the admin token; resolves to the HTTP status (0 when unreachable). */
export function apiGet(port: number, token: string, pathName: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: pathName, rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}` }, timeout: 3000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.on('timeout', () => { req.destroy(); resolve({ status: 0, body: '' }); });
  });
}

export interface KubeProcs {
  etcd: string;
  kube: KubeBinaries;
  kwok: KwokTool;
}

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type KubeComponent = (typeof COMPONENTS)[number];
export const KUBE_COMPONENTS: readonly KubeComponent[] = COMPONENTS;

export async function kubeHealthy(stateDir: string, ports: StackPorts): Promise<boolean> {
  for (const c of COMPONENTS) if (!(await runningPid(stateDir, c))) return false;
  const token = await readToken(stateDir);
  return (await apiGet(ports.apiserver, token, '/readyz')).status === 200;
}

export async function readToken(stateDir: string): Promise<string> {
  const text = await fs.readFile(kubeFiles(stateDir).tokens, 'utf8').catch(() => '');
  return text.split(',')[0] ?? '';
}

/** Starts whichever control-plane components are not running, in dependency order. */
export async function startKube(stateDir: string, ports: StackPorts, bins: KubeProcs, progress: (m: string) => void): Promise<void> {
  const files = kubeFiles(stateDir);
  await ensureCredentials(files, ports);

  if (!(await runningPid(stateDir, 'etcd'))) {
    await assertPortFree(ports.etcd, 'etcd client');
    await assertPortFree(ports.etcdPeer, 'etcd peer');
    progress('starting etcd');
    await startProcess(stateDir, 'etcd', bins.etcd, [
      '--name=firedrill', `--data-dir=${files.etcdData}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcd}`, `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=firedrill=http://127.0.0.1:${ports.etcdPeer}`,
      // A drill cluster is disposable: trade durability for speed on slow disks.
      '--unsafe-no-fsync', '--quota-backend-bytes=4294967296', '--log-level=warn',
    ]);
    // etcd binds its port before it serves. Once (701 MB of a benchmark's data, its previous
    // etcd stopped in the middle of deleting 3,000 pods) that took 65 s, and an apiserver started
    // on the open port gave up on its storage after its own 90 s wait.
    progress('waiting for etcd to serve');
    await waitFor('etcd', () => etcdHealthy(ports.etcd), 180_000, () => logTail(stateDir, 'etcd'));
  }
  await startControlPlane(stateDir, siteAControlPlane(stateDir, ports), bins, progress);
}

/** etcd's /health: true once it serves requests (a member with a leader and no alarm). */
export async function etcdHealthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) return false;
  return ((await res.json()) as { health?: string }).health === 'true';
}

/**
 * One cluster's control plane on the stack's etcd: its apiserver, controllers, scheduler and
 * kwok. Site-a's components keep their plain names; a second site prefixes its own.
 */
export interface ControlPlane {
  /** Prefix of pid and log names ('' for site-a, 'site-b-' for site-b). */
  prefix: string;
  /** For progress lines, e.g. " (site-b)". */
  label: string;
  etcdPort: number;
  /** Key prefix in etcd; unset is the apiserver's default (/registry). */
  etcdPrefix?: string;
  apiserverPort: number;
  kwokPort: number;
  kubeconfig: string;
  saKey: string;
  saPub: string;
  tokens: string;
  certDir: string;
}

export function siteAControlPlane(stateDir: string, ports: StackPorts): ControlPlane {
  const f = kubeFiles(stateDir);
  return {
    prefix: '', label: '', etcdPort: ports.etcd, apiserverPort: ports.apiserver, kwokPort: ports.kwok,
    kubeconfig: f.kubeconfig, saKey: f.saKey, saPub: f.saPub, tokens: f.tokens, certDir: f.certDir,
  };
}

/** The pid names of a control plane's processes, in start order. */
export function controlPlaneNames(cp: Pick<ControlPlane, 'prefix'>): string[] {
  return CONTROL_PLANE.map((c) => `${cp.prefix}${c}`);
}

const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

export async function startControlPlane(stateDir: string, cp: ControlPlane, bins: KubeProcs, progress: (m: string) => void): Promise<void> {
  const token = (await fs.readFile(cp.tokens, 'utf8')).split(',')[0] ?? '';
  const name = (c: (typeof CONTROL_PLANE)[number]) => `${cp.prefix}${c}`;
  const tail = (n: string) => () => logTail(stateDir, n);

  if (!(await runningPid(stateDir, name('kube-apiserver')))) {
    await assertPortFree(cp.apiserverPort, `kube-apiserver${cp.label}`);
    progress(`starting kube-apiserver${cp.label}`);
    await startProcess(stateDir, name('kube-apiserver'), bins.kube['kube-apiserver'], [
      `--etcd-servers=http://127.0.0.1:${cp.etcdPort}`,
      ...(cp.etcdPrefix ? [`--etcd-prefix=${cp.etcdPrefix}`] : []),
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${cp.apiserverPort}`,
      `--cert-dir=${cp.certDir}`, `--token-auth-file=${cp.tokens}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${cp.saPub}`, `--service-account-signing-key-file=${cp.saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16', '--allow-privileged=true',
      // kwok pods have no kubelet to mount projected tokens; pods run without them.
      '--disable-admission-plugins=ServiceAccount',
      '--max-requests-inflight=1000', '--max-mutating-requests-inflight=500',
      '--v=1',
    ]);
    await waitFor(`kube-apiserver${cp.label}`, async () => (await apiGet(cp.apiserverPort, token, '/readyz')).status === 200, 90_000, tail(name('kube-apiserver')));
  }

  const common = [`--kubeconfig=${cp.kubeconfig}`, '--leader-elect=false', '--v=1'];
  // Debian's etcd 3.4 lacks watch progress requests, so the apiserver refuses streaming
  // watch-lists; newer clients would retry them forever and react to changes seconds late.
  const clientEnv = { ...process.env, KUBE_FEATURE_WatchListClient: 'false' };
  if (!(await runningPid(stateDir, name('kube-controller-manager')))) {
    progress(`starting kube-controller-manager${cp.label}`);
    await startProcess(stateDir, name('kube-controller-manager'), bins.kube['kube-controller-manager'], [
      ...common, '--secure-port=0', '--bind-address=127.0.0.1',
      `--service-account-private-key-file=${cp.saKey}`, '--use-service-account-credentials=false',
      // Real drain-and-reschedule depends on these controllers being quick, as in a busy cluster.
      '--concurrent-deployment-syncs=20', '--concurrent-replicaset-syncs=20', '--concurrent-statefulset-syncs=10',
      '--kube-api-qps=500', '--kube-api-burst=1000',
    ], clientEnv);
  }
  if (!(await runningPid(stateDir, name('kube-scheduler')))) {
    progress(`starting kube-scheduler${cp.label}`);
    await startProcess(stateDir, name('kube-scheduler'), bins.kube['kube-scheduler'], [
      ...common, '--secure-port=0', '--bind-address=127.0.0.1', '--kube-api-qps=500', '--kube-api-burst=1000',
    ], clientEnv);
  }
  if (!(await runningPid(stateDir, name('kwok')))) {
    await assertPortFree(cp.kwokPort, `kwok${cp.label}`);
    progress(`starting kwok${cp.label}`);
    await startProcess(stateDir, name('kwok'), bins.kwok.kwok, [
      `--kubeconfig=${cp.kubeconfig}`, `--config=${bins.kwok.stagesFile}`,
      '--manage-all-nodes=false', `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      `--server-address=127.0.0.1:${cp.kwokPort}`, '--node-lease-duration-seconds=40',
      '--cidr=10.0.0.1/16', '--node-ip=10.255.255.1',
    ], clientEnv);
  }
  const names = cp.prefix ? controlPlaneNames(cp) : [...COMPONENTS];
  await waitFor(`the control plane${cp.label}`, async () => {
    for (const c of names) if (!(await runningPid(stateDir, c))) return false;
    return true;
  }, 20_000, async () => (await Promise.all(names.map(async (c) => `${c}: ${(await runningPid(stateDir, c)) ? 'running' : 'exited'}\n${await logTail(stateDir, c, 5)}`))).join('\n'));
}

export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
