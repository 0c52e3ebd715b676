import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';
import type { KubeBinaries, KwokTool } from './provision.js';
import type { StackPorts } from './ports.js';
import { assertPortFree, logTail, portOpen, runningPid, startProcess, waitFor } from './procs.js';

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

/** Writes keys, the token file and the admin kubeconfig once; later starts reuse them. */
async function ensureCredentials(files: KubeFiles, ports: StackPorts): Promise<string> {
  await fs.mkdir(files.certDir, { recursive: true });
  const haveKey = await fs.access(files.saKey).then(() => true, () => false);
  if (!haveKey) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    await fs.writeFile(files.saKey, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    await fs.writeFile(files.saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
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
  const token = await ensureCredentials(files, ports);
  const tail = (name: string) => () => logTail(stateDir, name);

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
    await waitFor('etcd', () => portOpen(ports.etcd), 30_000, tail('etcd'));
  }

  if (!(await runningPid(stateDir, 'kube-apiserver'))) {
    await assertPortFree(ports.apiserver, 'kube-apiserver');
    progress('starting kube-apiserver');
    await startProcess(stateDir, 'kube-apiserver', bins.kube['kube-apiserver'], [
      `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${ports.apiserver}`,
      `--cert-dir=${files.certDir}`, `--token-auth-file=${files.tokens}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${files.saPub}`, `--service-account-signing-key-file=${files.saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16', '--allow-privileged=true',
      // kwok pods have no kubelet to mount projected tokens; pods run without them.
      '--disable-admission-plugins=ServiceAccount',
      '--max-requests-inflight=1000', '--max-mutating-requests-inflight=500',
      '--v=1',
    ]);
    await waitFor('kube-apiserver', async () => (await apiGet(ports.apiserver, token, '/readyz')).status === 200, 90_000, tail('kube-apiserver'));
  }

  const common = [`--kubeconfig=${files.kubeconfig}`, '--leader-elect=false', '--v=1'];
  // Debian's etcd 3.4 lacks watch progress requests, so the apiserver refuses streaming
  // watch-lists; newer clients would retry them forever and react to changes seconds late.
  const clientEnv = { ...process.env, KUBE_FEATURE_WatchListClient: 'false' };
  if (!(await runningPid(stateDir, 'kube-controller-manager'))) {
    progress('starting kube-controller-manager');
    await startProcess(stateDir, 'kube-controller-manager', bins.kube['kube-controller-manager'], [
      ...common, '--secure-port=0', '--bind-address=127.0.0.1',
      `--service-account-private-key-file=${files.saKey}`, '--use-service-account-credentials=false',
      // Real drain-and-reschedule depends on these controllers being quick, as in a busy cluster.
      '--concurrent-deployment-syncs=20', '--concurrent-replicaset-syncs=20', '--concurrent-statefulset-syncs=10',
      '--kube-api-qps=500', '--kube-api-burst=1000',
    ], clientEnv);
  }
  if (!(await runningPid(stateDir, 'kube-scheduler'))) {
    progress('starting kube-scheduler');
    await startProcess(stateDir, 'kube-scheduler', bins.kube['kube-scheduler'], [
      ...common, '--secure-port=0', '--bind-address=127.0.0.1', '--kube-api-qps=500', '--kube-api-burst=1000',
    ], clientEnv);
  }
  if (!(await runningPid(stateDir, 'kwok'))) {
    await assertPortFree(ports.kwok, 'kwok');
    progress('starting kwok');
    await startProcess(stateDir, 'kwok', bins.kwok.kwok, [
      `--kubeconfig=${files.kubeconfig}`, `--config=${bins.kwok.stagesFile}`,
      '--manage-all-nodes=false', `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
      `--server-address=127.0.0.1:${ports.kwok}`, '--node-lease-duration-seconds=40',
      '--cidr=10.0.0.1/16', '--node-ip=10.255.255.1',
    ], clientEnv);
  }
  await waitFor('the control plane', async () => {
    for (const c of COMPONENTS) if (!(await runningPid(stateDir, c))) return false;
    return true;
  }, 20_000, async () => (await Promise.all(COMPONENTS.map(async (c) => `${c}: ${(await runningPid(stateDir, c)) ? 'running' : 'exited'}\n${await logTail(stateDir, c, 5)}`))).join('\n'));
}

export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
