// Pinned versions of the local stack. Bumping one rebuilds its cache entry.
export const KUBE_VERSION = 'v1.34.4';
export const KWOK_VERSION = 'v0.8.0';
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Debian bookworm's etcd-server; any 3.4+ serves a local apiserver. */
export const ETCD_MIN_VERSION = '3.4';
