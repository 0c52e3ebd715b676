import type { ClusterView } from './watch.js';

// A site's monitoring as a Prometheus-style query endpoint: it answers only while the site's
// monitoring Service has a ready endpoint (monitoring that lives in a lost site goes blind with
// it), with the instant-vector shape of /api/v1/query. Metrics: `up` (1), and
// `ready_endpoints{namespace="…",service="…"}` as this site sees them.

export interface QueryAnswer {
  status: number;
  body: unknown;
}

const SELECTOR = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{([^}]*)\})?\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"/g;

export function parseSelector(query: string): { metric: string; labels: Record<string, string> } | undefined {
  const m = SELECTOR.exec(query);
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = l[2] as string;
  return { metric: m[1] as string, labels };
}

export function answerQuery(view: ClusterView, monitoringService: string, query: string, now: number): QueryAnswer {
  if (!(view.ready.get(monitoringService)?.length)) return { status: 503, body: `monitoring ${monitoringService} has no ready endpoint in this site` };
  const sel = parseSelector(query);
  if (!sel) return { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'only metric{label="value",...} selectors are understood' } };
  const t = now / 1000;
  const sample = (value: number) => ({ status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: sel.metric, ...sel.labels }, value: [t, String(value)] }] } });
  if (sel.metric === 'up') return { status: 200, body: sample(1) };
  if (sel.metric === 'ready_endpoints' && sel.labels.namespace && sel.labels.service) {
    return { status: 200, body: sample(view.ready.get(`${sel.labels.namespace}/${sel.labels.service}`)?.length ?? 0) };
  }
  return { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } };
}
