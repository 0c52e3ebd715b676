// Wrapper module: builds etcd from the Go module proxy. etcd's server module replaces its sibling
// modules with relative paths, which only work in its own repository; a wrapper's requirements
// pin the published versions instead. Debian's etcd 3.4 cannot answer watch progress requests,
// which current Kubernetes clients rely on for timely watches.
module firedrill.local/tools/etcd

go 1.26.0

require go.etcd.io/etcd/server/v3 v3.6.16
