// Package kubetest holds test support for code that needs the appliance's
// Kubernetes artifacts: a fake artifacts cache, named as such.
package kubetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/slipway-dev/slipway/internal/kube"
)

// FakeArtifacts writes a FAKE artifacts cache in images/kube's layout
// (kube/VERSION and containerd/kube.ContainerdVersion, each a manifest.json
// naming tiny files) and returns its directory. kube.LoadArtifacts checks
// names and sizes only, so a controller given it supports Kubernetes
// version (and nothing else) without the real binaries.
func FakeArtifacts(t testing.TB, version string) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []struct {
		component, version string
		names              []string
	}{{"kube", version, kube.KubeBinaries}, {"containerd", kube.ContainerdVersion, kube.ContainerdBinaries}} {
		d := filepath.Join(dir, c.component, c.version)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		var bins []kube.Artifact
		for _, n := range c.names {
			body := []byte("fake " + n + "\n")
			if err := os.WriteFile(filepath.Join(d, n), body, 0o755); err != nil {
				t.Fatal(err)
			}
			bins = append(bins, kube.Artifact{Name: n, SHA256: "00", Size: int64(len(body))})
		}
		m, err := json.Marshal(map[string]any{"version": c.version, "binaries": bins})
		if err == nil {
			err = os.WriteFile(filepath.Join(d, "manifest.json"), m, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
