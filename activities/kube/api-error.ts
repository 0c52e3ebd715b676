import { ApiException } from '@kubernetes/client-node';

/**
 * The client's own error for an answer other than the one expected: callers read its code, the
 * Status body (parsed where it is JSON) and the Retry-After header, as they do the client's.
 */
export function apiError(status: number, text: string, headers: Record<string, string>): ApiException<unknown> {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's page): kept as text.
  }
  return new ApiException(status, status === 401 ? 'Unauthorized' : 'Unknown API Status Code!', body, headers);
}
