# Slipway — build, run and test.
#
#   make run    build and start the appliance (embedded SQLite, example inventory applied)
#   make test   install what the tests need, then vet, lint, unit/loopback tests with -race,
#               PostgreSQL store suite, end-to-end process tests
#
# Everything built or downloaded goes under .cache/ (git-ignored). Every setup step is
# idempotent: a second run installs nothing.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

CACHE   := $(CURDIR)/.cache
BIN     := $(CACHE)/bin
RUN_DIR := $(CACHE)/run
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

# Pinned tools, built with `go install` into .cache/bin.
STATICCHECK_VERSION := v0.8.2

# Debian packages the test suites drive for real.
APT_PACKAGES := postgresql procps curl ca-certificates git openipmi ipmitool redfishtool qemu-system-x86

# Where `make run` listens.
RUN_LISTEN ?= 127.0.0.1:8443

export PATH := $(BIN):$(PATH)

.PHONY: build run test deps tools fmt-check vet lint unit e2e bench bench-api clean

## build: the slipway binary into .cache/bin
build:
	@command -v $(GO) >/dev/null || { echo "Go is required (expected at /usr/local/go/bin)"; exit 1; }
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/slipway ./cmd/slipway

## run: build, then serve on $(RUN_LISTEN) with the example site applied (Ctrl-C stops)
run: build
	@mkdir -p $(RUN_DIR)
	@echo "Slipway: data in $(RUN_DIR); API https://$(RUN_LISTEN)"
	@echo "  admin token: $(RUN_DIR)/admin.token   CA: $(RUN_DIR)/pki/ca.crt"
	@echo "  then: $(BIN)/slipway login --server https://$(RUN_LISTEN) --token-file $(RUN_DIR)/admin.token --ca-file $(RUN_DIR)/pki/ca.crt"
	@echo "        $(BIN)/slipway get machines"
	SLIPWAY_INVENTORY_PATHS=$(CURDIR)/deploy/examples/site \
	  exec $(BIN)/slipway serve --config $(CURDIR)/deploy/examples/slipway.yaml \
	    --data-dir $(RUN_DIR) --listen $(RUN_LISTEN)

## deps: Debian packages the tests need (installed only when missing)
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## tools: pinned linters into .cache/bin
tools: $(BIN)/staticcheck-$(STATICCHECK_VERSION)

$(BIN)/staticcheck-$(STATICCHECK_VERSION):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	@touch $@

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }

vet:
	$(GO) vet ./...

lint: tools
	$(BIN)/staticcheck ./...

## unit: unit and loopback tests with the race detector; the store suite also runs on PostgreSQL
unit: deps
	SLIPWAY_TEST_POSTGRES=require $(GO) test -race -count=1 -timeout 15m ./...

## e2e: process-level tests of the real binary (kill -9 mid-apply, concurrent applies, make-run flow)
e2e: build
	SLIPWAY_E2E=1 SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -timeout 15m ./test/e2e/...

## test: everything CI runs
test: deps tools fmt-check vet lint unit e2e
	@echo "all tests passed"

## bench: performance figures printed side by side (see test/bench/README.md)
bench: build
	SLIPWAY_BIN=$(BIN)/slipway $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/bench/...

clean:
	rm -rf $(CACHE)
