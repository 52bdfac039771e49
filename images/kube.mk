# Kubernetes and containerd binaries (issue 10), included by the top-level Makefile:
#
#   make images-kube    .cache/kube/$(KUBE_VERSION)/{kube-apiserver,kube-controller-manager,
#                       kube-scheduler,kubelet,kube-proxy} and .cache/containerd/$(CONTAINERD_VERSION)/
#                       {containerd,containerd-shim-runc-v2,ctr}, built from the Go module proxy
#                       (images/kube), each directory with a manifest.json (sha256, size, version).
#                       Also .cache/kube/images/pause-3.10.tar: the sandbox image registry.k8s.io/pause:3.10
#                       as an OCI archive (images/kube/pause, built static) for `ctr images import`.
#                       A second run checks the digests and builds nothing (~1 s). First run: ~25 min
#                       niced on 2 shared cores (images/kube/README.md).
#   make test-kube      the native tier (root, SLIPWAY_KUBE=1): Debian's etcd and the built control plane
#                       from the rendered units with the issued PKI in a network namespace (readyz,
#                       identities, bootstrap token, CSR flow, real kubelet TLS bootstrap), the built
#                       containerd/kube-proxy validating the rendered configs, the pause archive imported

.PHONY: images-kube test-kube

KUBE_VERSION       ?= v1.37.2
CONTAINERD_VERSION ?= v2.2.0
KUBE_BIN_DIR       := $(CACHE)/kube/$(KUBE_VERSION)
CONTAINERD_BIN_DIR := $(CACHE)/containerd/$(CONTAINERD_VERSION)

# etcd for the control plane (3.4 in Debian 12; kube-apiserver v1.37 works with it); keepalived
# holds a three-control-plane cluster's VIP (TestNativeKeepalived runs the rendered configuration).
APT_PACKAGES += etcd-server keepalived

## images-kube: Kubernetes and containerd binaries from the module proxy (nice: 2 cores are shared)
images-kube:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -o $(BIN)/kubebuild ./images/kube
	nice -n 19 $(BIN)/kubebuild -cache $(CACHE) -go $(GO) -kube-version $(KUBE_VERSION) -containerd-version $(CONTAINERD_VERSION)

## test-kube: the rendered control plane's PKI proven against real etcd + kube-apiserver (root)
test-kube: deps images-kube
	SLIPWAY_KUBE=1 SLIPWAY_KUBE_BIN=$(KUBE_BIN_DIR) SLIPWAY_CONTAINERD_BIN=$(CONTAINERD_BIN_DIR) $(GO) test -count=1 -v -timeout 10m -run 'Native|PauseImports' ./internal/kube/... ./images/kube/...
