package main

import "context"

// PauseRef is the sandbox image containerd is configured with
// (internal/kube.SandboxImage): built locally, never pulled.
const pauseRef = "registry.k8s.io/pause:3.10"

// pauseImage is the sandbox image whose /pause is src (images/kube/pause)
// built static: ROOT/kube/images/pause-3.10.tar.
func pauseImage(src string) localImage {
	return localImage{ref: pauseRef, src: src, bin: "pause", user: "65535:65535"}
}

// buildPause writes the sandbox image's archive (see buildImage).
func (b builder) buildPause(ctx context.Context, src string) (string, error) {
	return b.buildImage(ctx, pauseImage(src))
}
