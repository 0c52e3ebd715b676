import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import {
  requiredReady, type HttpProbeSpec, type KubernetesProbeSpec, type PrometheusProbeSpec, type ProbeSpec, type RpoProbeSpec, type TcpProbeSpec,
} from '../../drills/schema/index.js';

// One observation per call: healthy or not, with a short reason. A check never throws: an
// exception is itself a failed observation.

export interface Observation {
  ok: boolean;
  error?: string;
}

export interface CheckDeps {
  kc?: k8s.KubeConfig;
  fetch?: typeof fetch;
  /** Where headersFromEnv values are read (default process.env). */
  env?: Record<string, string | undefined>;
}

/**
 * The probe's headers from the worker's environment, read at each check (a rotated token is
 * picked up). A missing variable is named, its value never: errors end up in results.
 */
function envHeaders(p: { headersFromEnv?: Record<string, string> | undefined }, env: Record<string, string | undefined>): { ok: true; headers: Record<string, string> } | { ok: false; error: string } {
  const headers: Record<string, string> = {};
  for (const [header, name] of Object.entries(p.headersFromEnv ?? {})) {
    const v = env[name];
    if (v === undefined || v === '') return { ok: false, error: `header ${header}: ${name} is not set on the worker` };
    headers[header] = v;
  }
  return { ok: true, headers };
}

function short(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return String(e?.cause?.code ?? e?.message ?? err).slice(0, 160);
}

export async function checkHttp(p: HttpProbeSpec, f: typeof fetch, env: Record<string, string | undefined> = process.env): Promise<Observation> {
  const headers = envHeaders(p, env);
  if (!headers.ok) return headers;
  try {
    const res = await f(p.url, { method: p.method, headers: headers.headers, signal: AbortSignal.timeout(p.timeout), redirect: 'manual' });
    const body = p.bodyMatch !== undefined && p.method !== 'HEAD' ? await res.text() : (await res.arrayBuffer(), '');
    if (!p.expectStatus.includes(res.status)) return { ok: false, error: `HTTP ${res.status}` };
    if (p.bodyMatch !== undefined && !body.includes(p.bodyMatch)) return { ok: false, error: 'body does not match' };
    return { ok: true };
  } catch (err) {
    return { ok: false, error: short(err) };
  }
}

export function checkTcp(p: TcpProbeSpec): Promise<Observation> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: p.host, port: p.port });
    const done = (o: Observation) => { sock.destroy(); resolve(o); };
    sock.setTimeout(p.timeout, () => done({ ok: false, error: 'timed out' }));
    sock.once('connect', () => done({ ok: true }));
    sock.once('error', (err) => done({ ok: false, error: short(err) }));
  });
}

export async function checkKubernetes(p: KubernetesProbeSpec, kc: k8s.KubeConfig): Promise<Observation> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const { kind, namespace, name } = p.workload;
  try {
    // Ready and desired replicas of the workload; a DaemonSet desires one per eligible node.
    const w = kind === 'Deployment' ? await apps.readNamespacedDeployment({ name, namespace })
      : kind === 'StatefulSet' ? await apps.readNamespacedStatefulSet({ name, namespace })
        : kind === 'ReplicaSet' ? await apps.readNamespacedReplicaSet({ name, namespace })
          : undefined;
    const ds = w ? undefined : await apps.readNamespacedDaemonSet({ name, namespace });
    const ready = (w ? w.status?.readyReplicas : ds?.status?.numberReady) ?? 0;
    const desired = (w ? w.spec?.replicas ?? 1 : ds?.status?.desiredNumberScheduled) ?? 0;
    const need = requiredReady(p, desired);
    return ready >= need ? { ok: true } : { ok: false, error: `${ready}/${need} ready` };
  } catch (err) {
    return { ok: false, error: short(err) };
  }
}

const compare: Record<PrometheusProbeSpec['compare'], (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b,
  '>=': (a, b) => a >= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b,
};

export async function checkPrometheus(p: PrometheusProbeSpec, f: typeof fetch, env: Record<string, string | undefined> = process.env): Promise<Observation> {
  const headers = envHeaders(p, env);
  if (!headers.ok) return headers;
  try {
    const url = new URL('/api/v1/query', p.url);
    url.searchParams.set('query', p.query);
    const res = await f(url, { headers: headers.headers, signal: AbortSignal.timeout(p.timeout) });
    if (!res.ok) return { ok: false, error: `HTTP ${res.status}` };
    const body = (await res.json()) as { data?: { result?: Array<{ value?: [number, string] }> } };
    const raw = body.data?.result?.[0]?.value?.[1];
    // An empty vector means the metric is gone: that is a failure, not a pass.
    if (raw === undefined) return { ok: false, error: 'query returned no data' };
    const value = Number(raw);
    return compare[p.compare](value, p.threshold) ? { ok: true } : { ok: false, error: `${value} not ${p.compare} ${p.threshold}` };
  } catch (err) {
    return { ok: false, error: short(err) };
  }
}

/** Writes one marker; an acknowledged write (2xx) is a healthy observation. */
export async function writeMarker(p: RpoProbeSpec, f: typeof fetch, seq: number, at: number): Promise<Observation> {
  try {
    const res = await f(p.writeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seq, at }),
      signal: AbortSignal.timeout(p.timeout),
    });
    await res.arrayBuffer();
    return res.ok ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, error: short(err) };
  }
}

/** Reads back which markers the service still has: `{ "markers": [seq, ...] }`. */
export async function readMarkers(p: RpoProbeSpec, f: typeof fetch): Promise<Set<number> | { error: string }> {
  try {
    const res = await f(p.readUrl, { signal: AbortSignal.timeout(p.timeout) });
    if (!res.ok) return { error: `HTTP ${res.status}` };
    const body = (await res.json()) as { markers?: unknown };
    if (!Array.isArray(body.markers)) return { error: 'read endpoint did not return { markers: [...] }' };
    return new Set(body.markers.filter((m): m is number => typeof m === 'number'));
  } catch (err) {
    return { error: short(err) };
  }
}

export function checkFor(p: Exclude<ProbeSpec, RpoProbeSpec>, deps: CheckDeps): () => Promise<Observation> {
  const f = deps.fetch ?? fetch;
  switch (p.type) {
    case 'http': return () => checkHttp(p, f, deps.env);
    case 'tcp': return () => checkTcp(p);
    case 'prometheus': return () => checkPrometheus(p, f, deps.env);
    case 'kubernetes': {
      const kc = deps.kc;
      if (!kc) return async () => ({ ok: false, error: 'no Kubernetes configuration for this probe' });
      return () => checkKubernetes(p, kc);
    }
  }
}
