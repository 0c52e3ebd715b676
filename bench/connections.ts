import diagnostics from 'node:diagnostics_channel';
import * as k8s from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { PooledKubeConfig } from '../activities/kube/pooled-config.js';
import { procMemory } from './worker-process.js';

// What the client library's connection handling costs: N reads of one node, one at a time and
// 100 at a time, through a plain KubeConfig (a new undici Agent, so a new TLS connection, per
// request) and through PooledKubeConfig (one Agent per identity). Connections are counted by
// undici's own diagnostics channel; VmHWM and wall time are from this process.
//   node scripts/node.mjs node --import tsx bench/connections.ts <kubeconfig> plain|pooled [requests]
// Each mode in a fresh process, so the high-water marks do not mix.

const [kubeconfig, mode, n = '2000'] = process.argv.slice(2);
if (!kubeconfig || (mode !== 'plain' && mode !== 'pooled')) {
  process.stderr.write('usage: bench/connections.ts <kubeconfig> plain|pooled [requests]\n');
  process.exit(2);
}
const requests = Number(n);
let connections = 0;
diagnostics.subscribe('undici:client:connected', () => { connections++; });
const hwm = async () => (await procMemory(process.pid)).hwmMb;

const kc = mode === 'pooled' ? new PooledKubeConfig() : new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const first = (await core.listNode({ limit: 1 })).items[0]?.metadata?.name;
if (!first) throw new Error('the cluster has no node');
const node: string = first;

async function round(concurrency: number) {
  const c0 = connections;
  const started = Date.now();
  const limit = pLimit(concurrency);
  await Promise.all(Array.from({ length: requests }, () => limit(() => core.readNode({ name: node }))));
  const ms = Date.now() - started;
  return { concurrency, requests, ms, perSecond: Math.round((requests / ms) * 1000), connections: connections - c0, hwmMb: await hwm() };
}

const hwmStart = await hwm();
const sequential = await round(1);
const parallel = await round(100);
process.stdout.write(`${JSON.stringify({ mode, hwmStartMb: hwmStart, sequential, parallel })}\n`);
if (kc instanceof PooledKubeConfig) await kc.close();
process.exit(0);
