// Command kube builds the Kubernetes node and control-plane binaries
// (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
// kube-proxy) and containerd 2.x (containerd, containerd-shim-runc-v2, ctr)
// from the Go module proxy, into CACHE/kube/VERSION/ and
// CACHE/containerd/VERSION/, each with a manifest.json (version, sha256 and
// size of every binary), and the pod sandbox image registry.k8s.io/pause:3.10
// as an OCI archive (CACHE/kube/images/pause-3.10.tar; its /pause is
// images/kube/pause) for containerd to import, and the smoke-test image
// slipway.dev/probe:v1 (CACHE/kube/images/probe-v1.tar; images/kube/probe).
// A second run whose manifest still matches the binaries does nothing.
//
// go install cannot build either: k8s.io/kubernetes replaces its staging
// modules with ./staging paths and containerd's go.mod has an exclude block.
// So each is built inside a throwaway module (CACHE/NAME/build/VERSION/) whose
// go.mod is rendered from upstream's: Kubernetes' staging modules replaced by
// their published v0.MINOR.PATCH, containerd's exclude block repeated.
//
//	kube -cache .cache -kube-version v1.37.2 -containerd-version v2.2.0
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kube", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cache := fs.String("cache", ".cache", "the cache root (binaries go to ROOT/kube/VERSION, ROOT/containerd/VERSION)")
	kubeVersion := fs.String("kube-version", "v1.37.2", "k8s.io/kubernetes version (empty: skip)")
	ctrdVersion := fs.String("containerd-version", "v2.2.0", "containerd version (empty: skip)")
	goBin := fs.String("go", "go", "the go command")
	pauseSrc := fs.String("pause-src", "./images/kube/pause", "the pause command's package (empty: skip the sandbox image)")
	probeSrc := fs.String("probe-src", "./images/kube/probe", "the probe command's package (empty: skip the smoke-test image)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var comps []component
	if *kubeVersion != "" {
		c, err := kubeComponent(*kubeVersion)
		if err != nil {
			return err
		}
		comps = append(comps, c)
	}
	if *ctrdVersion != "" {
		c, err := containerdComponent(*ctrdVersion)
		if err != nil {
			return err
		}
		comps = append(comps, c)
	}
	b := builder{root: *cache, goBin: *goBin, log: slog.New(slog.NewTextHandler(stderr, nil))}
	for _, c := range comps {
		m, err := b.build(ctx, c)
		if err != nil {
			return err
		}
		for _, bin := range m.Binaries {
			fmt.Fprintf(stdout, "%s %s %s %d %s\n", m.Component, m.Version, bin.Name, bin.Size, bin.SHA256)
		}
	}
	for _, img := range []localImage{pauseImage(*pauseSrc), probeImage(*probeSrc)} {
		if img.src == "" {
			continue
		}
		out, err := b.buildImage(ctx, img)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "image %s %s\n", img.ref, out)
	}
	return nil
}
