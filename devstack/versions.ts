// Pinned versions of the local stack. Bumping one rebuilds its cache entry.
export const KUBE_VERSION = 'v1.34.4';
export const KWOK_VERSION = 'v0.8.0';
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** Built from the Go module (tools/etcd must require the same version). */
export const ETCD_VERSION = 'v3.6.16';
/**
 * The real Temporal server and its SQL tool (`dev up --temporal server`, the mTLS tests and
 * docker-compose.yml). v1.32.1 is the newest release whose go.mod the machine's Go 1.26.8 accepts
 * and whose dependencies the module proxy serves in full (v1.31.3/v1.31.4 require a version of
 * go.temporal.io/auto-scaled-workers the proxy refuses; v1.31.5 and v1.32.2 need Go 1.26.10).
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.1';
/**
 * SeaweedFS, the S3-compatible server the report store's bucket test runs against (`weed`). The
 * module publishes no tagged Go version, so it is pinned by pseudo-version.
 */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
