import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { apiError } from './api-error.js';
import { ListItemSplitter } from './list-items.js';

// One page of a list read the way the client reads it (the kubeconfig's credentials and
// connection pool, the same HTTP library, an ApiException for any other answer than 200), but
// parsed item by item as the body streams in (list-items.ts) instead of into the client's
// objects: for the lists whose pages are large (pods, nodes), so that neither a page's text nor
// its objects ever sit in memory together.

export interface ItemPageQuery {
  limit: number;
  _continue?: string;
  fieldSelector?: string;
}

const http = new IsomorphicFetchHttpLibrary();

/**
 * GETs one page of the list at `path` (`/api/v1/pods`), hands each item to `onItem` as the plain
 * JSON object the server sent (dates stay strings), and returns the page's continue token and
 * resource version.
 */
export async function readItemPage(kc: KubeConfig, path: string, query: ItemPageQuery, onItem: (item: unknown) => void,
  signal?: AbortSignal): Promise<{ _continue?: string; resourceVersion?: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const ctx = new RequestContext(`${server.replace(/\/+$/, '')}${path}`, HttpMethod.GET);
  // In the generated client's order, so a request reads the same in the API server's log.
  if (query._continue) ctx.setQueryParam('continue', query._continue);
  if (query.fieldSelector) ctx.setQueryParam('fieldSelector', query.fieldSelector);
  ctx.setQueryParam('limit', String(query.limit));
  ctx.setHeaderParam('Accept', 'application/json');
  await kc.applySecurityAuthentication(ctx);
  if (signal) ctx.setSignal(signal);
  const res = await http.send(ctx).toPromise();
  if (res.httpStatusCode !== 200) throw apiError(res.httpStatusCode, await res.body.text(), res.headers);
  // Read as it arrives: neither the page's text nor its objects are ever whole in memory.
  const splitter = new ListItemSplitter(onItem);
  const body = res.body.stream();
  if (body) {
    for await (const chunk of body) splitter.write(chunk);
  } else splitter.write(await res.body.binary());
  const list = splitter.end();
  const meta = list.metadata as { continue?: unknown; resourceVersion?: unknown } | undefined;
  return {
    ...(typeof meta?.continue === 'string' && meta.continue ? { _continue: meta.continue } : {}),
    ...(typeof meta?.resourceVersion === 'string' && meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
  };
}
