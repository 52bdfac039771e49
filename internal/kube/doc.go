// Package kube holds what the appliance needs to turn installed machines into
// a Kubernetes cluster without kubeadm and without container images: the
// cluster PKI (CAs, per-component certificates, kubeconfigs) in kubeadm's
// file layout, kubelet bootstrap tokens in k8s.io/cluster-bootstrap format,
// and the systemd units and configuration files each node runs (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler on control-plane
// nodes; kubelet, kube-proxy, containerd and CNI on every node).
//
// Everything is rendered into a FileSet (path → bytes and mode) that the
// appliance delivers over the machine's authenticated agent session or its
// cloud-init seed. Private keys live only in FileSets and never print: a
// File formats and logs as its size and mode.
package kube
