// A place in the report store is a key, never a path: '/'-separated segments of letters, digits,
// '.', '_' and '-', relative, with no '.' or '..' segment. A drill file names where its reports go
// under the store (report.outDir) and cannot aim the worker at a path of its own choosing.

const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_KEY = 512;

/** Why `key` is not a store key (undefined when it is one). A trailing '/' is allowed. */
export function storeKeyProblem(key: string): string | undefined {
  if (key.trim() === '') return 'must not be empty';
  if (key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z]:/.test(key)) return 'must be relative to the report store, not an absolute path';
  if (key.length > MAX_KEY) return `must be at most ${MAX_KEY} characters`;
  const segments = key.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..')) return 'must not contain ".." (it names a key under the report store)';
  if (segments.some((s) => s === '.' || s === '')) return 'must not contain empty or "." segments';
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined) return `segment "${bad}" may only contain letters, digits, ".", "_" and "-"`;
  return undefined;
}

/** Joins keys with '/', dropping empty parts and a trailing '/'. */
export function joinKey(...parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => Boolean(p)).map((p) => p.replace(/\/+$/, '')).filter(Boolean).join('/');
}
