package main

import "context"

// ProbeRef is the smoke-test image (images/kube/probe): `probe serve` answers
// "probe HOSTNAME" on :8080, `probe get URL` fetches a URL. Built locally and
// preloaded on every node, like pause; internal/kube names it ProbeImage.
const probeRef = "slipway.dev/probe:v1"

// probeImage is the smoke-test image whose /probe is src (images/kube/probe)
// built static, run as nobody with `serve -listen :8080` unless given
// arguments: ROOT/kube/images/probe-v1.tar.
func probeImage(src string) localImage {
	return localImage{ref: probeRef, src: src, bin: "probe", cmd: []string{"serve", "-listen", ":8080"}, user: "65534:65534"}
}

// buildProbe writes the smoke-test image's archive (see buildImage).
func (b builder) buildProbe(ctx context.Context, src string) (string, error) {
	return b.buildImage(ctx, probeImage(src))
}
