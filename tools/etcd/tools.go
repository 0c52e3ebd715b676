// Package etcd exists so that the wrapper module has a Go file; etcd is built with
// `go build go.etcd.io/etcd/server/v3` from this directory (see devstack/provision.ts).
package etcd
