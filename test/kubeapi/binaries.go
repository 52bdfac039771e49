package kubeapi

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Environment variables Start reads.
const (
	EnvBin     = "SLIPWAY_KUBE_BIN" // directory holding kube-apiserver and kube-controller-manager
	EnvRequire = "SLIPWAY_KUBE"     // "1": missing binaries fail the test instead of skipping it
)

type binaries struct {
	etcd, apiserver, controllerManager string
}

// findBinaries locates the binaries o needs, skipping (or failing, under
// SLIPWAY_KUBE=1) the test when one is missing.
func findBinaries(t testing.TB, o options) binaries {
	t.Helper()
	b, err := lookBinaries(o)
	if err == nil {
		return b
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("kubeapi: %v", err)
	}
	t.Skipf("kubeapi: %v (%s=1 makes this a failure)", err, EnvRequire)
	return binaries{}
}

func lookBinaries(o options) (binaries, error) {
	dir := os.Getenv(EnvBin)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return binaries{}, err
		}
		dir = filepath.Join(root, ".cache", "kube", Version)
	}
	var b binaries
	var err error
	if b.etcd, err = lookEtcd(); err != nil {
		return binaries{}, err
	}
	names := []struct {
		name string
		dst  *string
		need bool
	}{{"kube-apiserver", &b.apiserver, true}, {"kube-controller-manager", &b.controllerManager, o.controllerManager}}
	for _, n := range names {
		if !n.need {
			continue
		}
		p := filepath.Join(dir, n.name)
		if _, err := os.Stat(p); err != nil {
			return binaries{}, fmt.Errorf("no %s in %s (make images-kube, or set %s): %w", n.name, dir, EnvBin, err)
		}
		*n.dst = p
	}
	return b, nil
}

func lookEtcd() (string, error) {
	if _, err := os.Stat("/usr/bin/etcd"); err == nil {
		return "/usr/bin/etcd", nil
	}
	p, err := exec.LookPath("etcd")
	if err != nil {
		return "", fmt.Errorf("no etcd (apt-get install etcd-server): %w", err)
	}
	return p, nil
}

// repoRoot walks up from the working directory (a test's package
// directory) to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: set " + EnvBin)
		}
		dir = parent
	}
}
