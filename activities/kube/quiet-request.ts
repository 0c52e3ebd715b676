import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { apiError } from './api-error.js';

// A write whose answer the caller does not need (a node patch answers with the whole node, an
// eviction with a Status): sent the way the client sends it (the kubeconfig's credentials and
// pooled connection), but a success's body is discarded unread instead of parsed into the
// client's objects, and it goes through undici's request() rather than fetch(): 3,000 evictions
// ran at 1.7x the client's rate (bench/eviction-cost.ts, BENCHMARKS.md). Any other answer is the client's ApiException, so callers tell a 404, a 409 or a
// PDB's 429 as before.

export interface QuietRequest {
  method: 'PATCH' | 'POST';
  /** The path under the server's URL, e.g. `/api/v1/nodes/n1`. */
  path: string;
  query?: Record<string, string>;
  body: unknown;
  contentType: string;
}

const fetchLibrary = new IsomorphicFetchHttpLibrary();

const flat = (headers: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));

/** Sends the request; resolves on a 2xx answer, rejects with an ApiException on any other. */
export async function sendQuiet(kc: KubeConfig, req: QuietRequest): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${server.replace(/\/+$/, '')}${req.path}`);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const ctx = new RequestContext(url.toString(), req.method === 'PATCH' ? HttpMethod.PATCH : HttpMethod.POST);
  ctx.setHeaderParam('Content-Type', req.contentType);
  ctx.setHeaderParam('Accept', 'application/json');
  ctx.setBody(JSON.stringify(req.body));
  await kc.applySecurityAuthentication(ctx);
  const dispatcher = ctx.getDispatcher();
  if (!dispatcher) {
    // No TLS options (a plain-HTTP test server): the client's own fetch, the answer drained unread.
    const res = await fetchLibrary.send(ctx).toPromise();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) throw apiError(res.httpStatusCode, await res.body.text(), res.headers);
    await res.body.binary();
    return;
  }
  const res = await dispatcher.request({
    origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers: ctx.getHeaders(), body: ctx.getBody() as string,
  });
  if (res.statusCode < 200 || res.statusCode > 299) throw apiError(res.statusCode, await res.body.text(), flat(res.headers));
  await res.body.dump();
}
