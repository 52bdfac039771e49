# Slipway — build, run and test.
#
#   make run    build the appliance, the agent and the tiny OS image, then start a virtual rack of
#               two QEMU machines behind ipmi_sim BMCs with the appliance serving them (root)
#   make test   install what the tests need, then vet, lint, unit/loopback tests with -race,
#               PostgreSQL store suite, end-to-end process tests, the netboot and virtual rack tiers
#
# Everything built or downloaded goes under .cache/ (git-ignored). Every setup step is
# idempotent: a second run installs nothing.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

CACHE   := $(CURDIR)/.cache
BIN     := $(CACHE)/bin
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

# Pinned tools, built with `go install` into .cache/bin.
STATICCHECK_VERSION := v0.8.2

# Terraform (built from source with go install: no registry, no binary
# downloads) and the provider, installed for `terraform init` from a
# filesystem mirror named by the CLI config file TF_CLI_CONFIG.
TERRAFORM_VERSION    := v1.5.7
TFPLUGINDOCS_VERSION := v0.24.0
PROVIDER_VERSION     := 0.1.0
TERRAFORM            := $(BIN)/terraform
TF_DIR               := $(CACHE)/terraform
TF_MIRROR            := $(TF_DIR)/mirror
TF_CLI_CONFIG        := $(TF_DIR)/terraformrc
PROVIDER_BIN         := $(TF_MIRROR)/registry.terraform.io/slipway-dev/slipway/$(PROVIDER_VERSION)/linux_amd64/terraform-provider-slipway_v$(PROVIDER_VERSION)

# Debian packages the test suites drive for real.
APT_PACKAGES := postgresql procps curl ca-certificates git openipmi ipmitool redfishtool qemu-system-x86 ipxe tftp-hpa atftp tftpd-hpa nginx wrk kea-dhcp4-server kea-admin dnsmasq isc-dhcp-relay isc-dhcp-client busybox-static iproute2 chromium linux-image-amd64 cpio ovmf \
  zstd dosfstools mtools vagrant vagrant-libvirt

# Where `make run` forwards the virtual rack appliance's API and UI.
RUN_LISTEN ?= 127.0.0.1:8443

export PATH := $(BIN):$(PATH)

# Image recipes (agent initramfs, installable OS images): make images.
-include images/images.mk
# Kubernetes and containerd binaries (issue 10, in progress): make images-kube, make test-kube.
-include images/kube.mk

.PHONY: web terraform provider tfdocs tfdocs-check tidy-check build run test deps tools fmt-check vet lint unit e2e e2e-netboot e2e-rack e2e-full e2e-k8s bench-journey bench bench-api clean run-site run-cluster

## build: the slipway binary into .cache/bin, terraform $(TERRAFORM_VERSION) and the provider mirror
build: web terraform provider
	@command -v $(GO) >/dev/null || { echo "Go is required (expected at /usr/local/go/bin)"; exit 1; }
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/slipway ./cmd/slipway

## web: the web UI's third-party JavaScript (htmx and its SSE extension) from npm, pinned by
## web/package-lock.json, copied into web/static/vendor (git-ignored) where go:embed takes it.
## Without it the UI still builds and works as plain forms, without live updates.
WEB_VENDOR := web/static/vendor
web: $(WEB_VENDOR)/.stamp

$(WEB_VENDOR)/.stamp: web/package.json web/package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps APT_PACKAGES=
	cd web && npm ci --no-audit --no-fund --ignore-scripts
	@mkdir -p $(WEB_VENDOR)
	cp web/node_modules/htmx.org/dist/htmx.min.js web/node_modules/htmx-ext-sse/dist/sse.js $(WEB_VENDOR)/
	@touch $@

## run: build, then start a virtual rack (r1-u05 BIOS, r1-u06 UEFI: QEMU behind ipmi_sim BMCs) with the
## appliance serving it in a network namespace; API and UI on https://$(RUN_LISTEN) (root; Ctrl-C stops)
run: build images-agent images-tiny
	@[ "$$(id -u)" = 0 ] || { echo "make run starts a virtual rack (network namespace, taps, QEMU): run it as root"; exit 1; }
	@$(MAKE) --no-print-directory deps APT_PACKAGES="iproute2 qemu-system-x86 ovmf ipxe openipmi ipmitool"
	$(GO) build -o $(BIN)/rackvm ./test/rack/cmd/rackvm
	$(GO) build -o $(BIN)/virtualrack ./test/rack/cmd/virtualrack
	exec $(BIN)/virtualrack -slipway $(BIN)/slipway -rackvm $(BIN)/rackvm -dir $(CACHE)/rack -listen $(RUN_LISTEN) \
	  -agent-dir $(CACHE)/images/agent -image-dir $(CACHE)/images/os -image tiny

## run-cluster: the virtual rack with the Debian node image and machines big enough for Kubernetes; then
## `slipway apply -f deploy/examples/rack-cluster/ && slipway provision r1-u05 r1-u06` (root)
run-cluster: build images-agent images-debian images-kube
	@[ "$$(id -u)" = 0 ] || { echo "make run-cluster starts a virtual rack (network namespace, taps, QEMU): run it as root"; exit 1; }
	@$(MAKE) --no-print-directory deps APT_PACKAGES="iproute2 qemu-system-x86 ovmf ipxe openipmi ipmitool"
	$(GO) build -o $(BIN)/rackvm ./test/rack/cmd/rackvm
	$(GO) build -o $(BIN)/virtualrack ./test/rack/cmd/virtualrack
	exec $(BIN)/virtualrack -slipway $(BIN)/slipway -rackvm $(BIN)/rackvm -dir $(CACHE)/rack -listen $(RUN_LISTEN) \
	  -agent-dir $(CACHE)/images/agent -image-dir $(CACHE)/images/os -image debian -kube-artifacts $(CACHE) \
	  -machines r1-u05=bios,r1-u06=bios -disk-gib 8 -memory-mib 3072

## run-site: without a virtual rack (no root needed): serve on $(RUN_LISTEN) with the example site
## (deploy/examples/site) applied and the appliance-run Terraform site r2 declared (Ctrl-C stops)
RUN_SITE_DIR := $(CACHE)/run-site
run-site: build
	@mkdir -p $(RUN_SITE_DIR)
	@echo "Slipway: data in $(RUN_SITE_DIR); API https://$(RUN_LISTEN); admin token $(RUN_SITE_DIR)/admin.token; CA $(RUN_SITE_DIR)/pki/ca.crt"
	@dpkg-query -W -f='$${Status}' ipxe 2>/dev/null | grep -q 'ok installed' || $(MAKE) --no-print-directory deps APT_PACKAGES=ipxe
	SLIPWAY_INVENTORY_PATHS=$(CURDIR)/deploy/examples/site \
	SLIPWAY_NETBOOT_TFTP_LISTEN=127.0.0.1:6969 SLIPWAY_NETBOOT_HTTP_LISTEN=127.0.0.1:8080 \
	SLIPWAY_INFRA_TERRAFORM=$(TERRAFORM) SLIPWAY_INFRA_PROVIDER_MIRROR=$(TF_MIRROR) \
	  exec $(BIN)/slipway serve --config $(CURDIR)/deploy/examples/run.yaml \
	    --data-dir $(RUN_SITE_DIR) --listen $(RUN_LISTEN)

## deps: Debian packages the tests need (installed only when missing)
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $$missing; \
	fi
	@# npm for the web UI's vendored JavaScript: Debian's nodejs + npm only when no npm is on the
	@# machine (a NodeSource nodejs already carries npm and conflicts with Debian's npm package).
	@command -v npm >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends nodejs npm; }

## tools: pinned linters into .cache/bin
tools: $(BIN)/staticcheck-$(STATICCHECK_VERSION)

$(BIN)/staticcheck-$(STATICCHECK_VERSION):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@

## tidy-check: go.mod and go.sum are what go mod tidy makes them
tidy-check:
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum are not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }

vet:
	$(GO) vet ./...

lint: tools
	$(BIN)/staticcheck ./...

## terraform: terraform $(TERRAFORM_VERSION) built with go install (once, ~4 min)
terraform: $(BIN)/terraform-$(TERRAFORM_VERSION)

$(BIN)/terraform-$(TERRAFORM_VERSION):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install github.com/hashicorp/terraform@$(TERRAFORM_VERSION)
	@touch $@

## provider: terraform-provider-slipway into the filesystem mirror, and the CLI config naming it
provider:
	@mkdir -p $(dir $(PROVIDER_BIN))
	$(GO) build -trimpath -ldflags '-s -w -X main.version=$(PROVIDER_VERSION)' -o $(PROVIDER_BIN) ./cmd/terraform-provider-slipway
	@printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' '$(TF_MIRROR)' > $(TF_CLI_CONFIG).tmp
	@cmp -s $(TF_CLI_CONFIG).tmp $(TF_CLI_CONFIG) 2>/dev/null && rm $(TF_CLI_CONFIG).tmp || mv $(TF_CLI_CONFIG).tmp $(TF_CLI_CONFIG)
	@echo "terraform: export TF_CLI_CONFIG_FILE=$(TF_CLI_CONFIG); $(TERRAFORM) init && $(TERRAFORM) apply"

## tfdocs: regenerate the provider docs in terraform/docs with terraform-plugin-docs, from the
## schema our terraform reports for the mirrored provider (no registry, no terraform download)
TF_SCHEMA := $(TF_DIR)/schema.json
tfdocs: terraform provider
	@mkdir -p $(TF_DIR)/schema-root
	@printf 'terraform {\n  required_providers {\n    slipway = { source = "slipway-dev/slipway" }\n  }\n}\n' > $(TF_DIR)/schema-root/main.tf
	cd $(TF_DIR)/schema-root && rm -rf .terraform .terraform.lock.hcl && TF_CLI_CONFIG_FILE=$(TF_CLI_CONFIG) $(TERRAFORM) init -input=false >/dev/null
	cd $(TF_DIR)/schema-root && TF_CLI_CONFIG_FILE=$(TF_CLI_CONFIG) $(TERRAFORM) providers schema -json \
	  | sed 's#"registry.terraform.io/slipway-dev/slipway"#"slipway"#' > $(TF_SCHEMA)
	$(GO) run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@$(TFPLUGINDOCS_VERSION) generate \
	  --provider-dir $(CURDIR) --provider-name slipway --rendered-provider-name Slipway \
	  --providers-schema $(TF_SCHEMA) --rendered-website-dir terraform/docs \
	  --examples-dir terraform/examples --website-source-dir terraform/templates

## tfdocs-check: the committed provider docs match the provider's schema
tfdocs-check: tfdocs
	@git diff --exit-code --stat -- terraform/docs || { echo "terraform/docs is stale: run make tfdocs and commit"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard terraform/docs)" || { echo "terraform/docs has new pages: run make tfdocs and commit"; exit 1; }

## unit: unit and loopback tests with the race detector; the store suite also runs on PostgreSQL
unit: deps web terraform provider images-kube
	TF_ACC=1 TF_ACC_TERRAFORM_PATH=$(TERRAFORM) TF_CLI_CONFIG_FILE=$(TF_CLI_CONFIG) SLIPWAY_TF_MIRROR=$(TF_MIRROR) \
	SLIPWAY_TEST_POSTGRES=require SLIPWAY_NETNS=1 SLIPWAY_TEST_BROWSER=require SLIPWAY_KUBE=1 SLIPWAY_KUBE_BIN=$(KUBE_BIN_DIR) SLIPWAY_CONTAINERD_BIN=$(CONTAINERD_BIN_DIR) \
	$(GO) test -race -count=1 -timeout 20m ./...

## e2e: process-level tests of the real binary (kill -9 mid-apply, concurrent applies, make-run flow)
e2e: build
	SLIPWAY_E2E=1 SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -timeout 15m ./test/e2e/...

## e2e-netboot: QEMU (TCG) nodes netboot through the appliance in a namespace: BIOS (iPXE ROM) and
## UEFI (OVMF native PXE → TFTP snponly.efi → iPXE), each to a test initramfs marker (~2 min, root)
e2e-netboot: deps build
	SLIPWAY_VM=1 SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -v -timeout 15m -run . ./test/netboot/...

## e2e-rack: the virtual rack (QEMU machines behind ipmi_sim BMCs, the appliance in a namespace): two
## machines (BIOS, UEFI) go from powered off to booted from the tiny image on disk and phoned home,
## the appliance is killed during an install, a second machine claims the same MAC (root, ~6 min)
e2e-rack: deps build images-agent images-tiny
	SLIPWAY_VM=1 SLIPWAY_TEST_BROWSER=require SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -v -timeout 25m ./test/rack/... ./test/journey/...

## e2e-full: the same journey with the Debian 12 image and its real cloud-init phone-home (root)
e2e-full: deps build images-agent images-debian
	SLIPWAY_VM=1 SLIPWAY_VM_DEBIAN=1 SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -v -timeout 30m -run Debian ./test/journey/...

## e2e-k8s: two Debian machines (1 control plane + 1 worker) go from powered off to a Kubernetes cluster with
## both Nodes Ready, a pod of the locally built probe image answers the control-plane node, and the fleet
## exporters write Argo CD / Cluster API Secrets into a management kube-apiserver (root, ~20-30 min under TCG)
e2e-k8s: deps build images-agent images-debian images-kube
	SLIPWAY_VM=1 SLIPWAY_K8S=1 SLIPWAY_KUBE=1 SLIPWAY_TEST_BROWSER=require SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -v -timeout 60m ./test/cluster/...

## bench-journey: journey timings (one machine, four in parallel) printed with their targets
bench-journey: deps build images-agent images-tiny
	SLIPWAY_VM=1 SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/bench/journey/...

## test: everything CI runs
test: deps tools tidy-check fmt-check vet lint unit e2e e2e-netboot e2e-rack e2e-k8s tfdocs-check
	@echo "all tests passed"

## bench: performance figures printed side by side (see test/bench/README.md)
bench: build
	SLIPWAY_BIN=$(BIN)/slipway TF_ACC=1 TF_ACC_TERRAFORM_PATH=$(TERRAFORM) TF_CLI_CONFIG_FILE=$(TF_CLI_CONFIG) \
	SLIPWAY_TF_MIRROR=$(TF_MIRROR) $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/bench/...

clean:
	rm -rf $(CACHE)
