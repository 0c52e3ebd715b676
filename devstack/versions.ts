// Pinned versions of the local stack. Bumping one rebuilds its cache entry.
export const KUBE_VERSION = 'v1.34.4';
export const KWOK_VERSION = 'v0.8.0';
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Built from the Go module (tools/etcd must require the same version). */
export const ETCD_VERSION = 'v3.6.16';
