package kube

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNativeContainerdConfig has the built containerd read the rendered
// config.toml (config dump merges it over its defaults, so a misplaced key
// shows up as a default). SLIPWAY_CONTAINERD_BIN names the directory.
func TestNativeContainerdConfig(t *testing.T) {
	dir := os.Getenv("SLIPWAY_CONTAINERD_BIN")
	if os.Getenv("SLIPWAY_KUBE") != "1" || dir == "" {
		t.Skip("SLIPWAY_KUBE=1 SLIPWAY_CONTAINERD_BIN=DIR runs it (make test-kube)")
	}
	fs, err := RenderNode(oneCP(), "r1-u06")
	require.NoError(t, err)
	cfg := filepath.Join(t.TempDir(), "config.toml")
	require.NoError(t, os.WriteFile(cfg, fs["/etc/containerd/config.toml"].Data, 0o644))
	out, err := exec.Command(filepath.Join(dir, "containerd"), "--config", cfg, "config", "dump").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, want := range []string{
		"sandbox = '" + SandboxImage + "'",
		"SystemdCgroup = true",
		"BinaryName = '/usr/sbin/runc'",
		"bin_dirs = ['/usr/lib/cni']",
		"address = '/run/containerd/containerd.sock'",
	} {
		assert.Contains(t, string(out), want)
	}
}
