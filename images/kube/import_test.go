package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPauseImportsIntoContainerd builds the sandbox and probe image archives
// and imports them with the built ctr into the built containerd (own root, state
// and socket in a temp dir; native snapshotter; CRI off), as the node's
// slipway-preload-images.service does. SLIPWAY_KUBE=1 and
// SLIPWAY_CONTAINERD_BIN=DIR enable it (make test-kube).
func TestPauseImportsIntoContainerd(t *testing.T) {
	bin := os.Getenv("SLIPWAY_CONTAINERD_BIN")
	if os.Getenv("SLIPWAY_KUBE") != "1" || bin == "" || os.Getuid() != 0 {
		t.Skip("root with SLIPWAY_KUBE=1 SLIPWAY_CONTAINERD_BIN=DIR runs it (make test-kube)")
	}
	dir := t.TempDir()
	b := builder{root: dir, goBin: "go", log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	pause, err := b.buildPause(context.Background(), "./pause")
	require.NoError(t, err)
	probe, err := b.buildProbe(context.Background(), "./probe")
	require.NoError(t, err)

	sock := filepath.Join(dir, "containerd.sock")
	cfg := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(cfg, []byte(`version = 3
root = "`+dir+`/root"
state = "`+dir+`/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime"]
[grpc]
  address = "`+sock+`"
[plugins."io.containerd.transfer.v1.local"]
  [[plugins."io.containerd.transfer.v1.local".unpack_config]]
    platform = "linux/amd64"
    snapshotter = "native"
`), 0o644))
	daemon := exec.Command(filepath.Join(bin, "containerd"), "--config", cfg)
	var logs strings.Builder
	daemon.Stdout, daemon.Stderr = &logs, &logs
	require.NoError(t, daemon.Start())
	done := make(chan struct{})
	go func() { _ = daemon.Wait(); close(done) }()
	t.Cleanup(func() { _ = daemon.Process.Kill(); <-done })

	ctr := func(args ...string) (string, error) {
		out, err := exec.Command(filepath.Join(bin, "ctr"), append([]string{"--address", sock, "-n", "k8s.io"}, args...)...).CombinedOutput()
		return string(out), err
	}
	require.Eventually(t, func() bool { _, err := ctr("version"); return err == nil }, 30*time.Second, 100*time.Millisecond,
		"containerd never answered:\n%s", &logs)
	for _, archive := range []string{pause, probe} {
		out, err := ctr("images", "import", "--snapshotter", "native", archive)
		require.NoError(t, err, "%s\n%s", out, &logs)
	}
	out, err := ctr("images", "ls", "-q")
	require.NoError(t, err, out)
	require.Subset(t, strings.Fields(out), []string{pauseRef, probeRef})
	out, err = ctr("images", "check")
	require.NoError(t, err, out)
	require.Equal(t, 2, strings.Count(out, "complete"), out)
	t.Logf("imported %s and %s:\n%s", pauseRef, probeRef, out)
}
