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

// TestNativeKubeProxyConfig has the built kube-proxy decode and validate
// the rendered configuration (--write-config-to writes it back and exits).
func TestNativeKubeProxyConfig(t *testing.T) {
	bin := requireNative(t)
	fs, err := RenderNode(oneCP(), "r1-u06")
	require.NoError(t, err)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "effective.yaml")
	require.NoError(t, os.WriteFile(in, fs["/var/lib/kube-proxy/config.yaml"].Data, 0o644))
	msg, err := exec.Command(filepath.Join(bin, "kube-proxy"), "--config", in, "--write-config-to", out).CombinedOutput()
	require.NoError(t, err, "%s", msg)
	effective, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, want := range []string{"clusterCIDR: 10.244.0.0/16", "hostnameOverride: r1-u06", "mode: iptables",
		"kubeconfig: /etc/kubernetes/kube-proxy.conf", "detectLocalMode: ClusterCIDR"} {
		assert.Contains(t, string(effective), want)
	}
}
