// Package kube exists so that the wrapper module has a Go file; the binaries are built with
// `go build k8s.io/kubernetes/cmd/...` from this directory (see devstack/provision).
package kube
