package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PauseRef is the sandbox image containerd is configured with
// (internal/kube.SandboxImage): built locally, never pulled.
const pauseRef = "registry.k8s.io/pause:3.10"

// buildPause writes ROOT/kube/images/pause-3.10.tar, the OCI archive of the
// sandbox image whose /pause is images/kube/pause built static, with a
// .sha256 beside it; an archive matching its .sha256 is kept.
func (b builder) buildPause(ctx context.Context, src string) (string, error) {
	_, tag := splitRef(pauseRef)
	out := filepath.Join(b.root, "kube", "images", "pause-"+tag+".tar")
	if want, err := os.ReadFile(out + ".sha256"); err == nil {
		if got, _, err := digest(out); err == nil && strings.HasPrefix(string(want), got) {
			b.log.Info("up to date", "image", pauseRef, "archive", out)
			return out, nil
		}
	}
	tmp, err := os.MkdirTemp(b.root, "pause-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "pause")
	if _, err := b.goCmdIn(ctx, "", []string{"CGO_ENABLED=0"}, "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, src); err != nil {
		return "", fmt.Errorf("pause: %w", err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	img := ociImage{ref: pauseRef, entrypoint: []string{"/pause"}, user: "65535:65535",
		files: []ociFile{{path: "pause", mode: 0o755, data: data}}}
	archive, err := img.archive()
	if err != nil {
		return "", fmt.Errorf("pause: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(out, archive, 0o644); err != nil {
		return "", err
	}
	sum, _, err := digest(out)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(out+".sha256", []byte(sum+"  "+filepath.Base(out)+"\n"), 0o644); err != nil {
		return "", err
	}
	b.log.Info("built", "image", pauseRef, "archive", out, "bytes", len(archive))
	return out, nil
}
