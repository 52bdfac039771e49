package main

import (
	"fmt"
	"strings"
)

// component is one upstream Go module and the commands built from it.
type component struct {
	name     string // cache directory under the cache root: kube, containerd
	module   string
	version  string
	commands []string // import paths of the main packages
	tags     string   // build tags
	cgo      bool
	ldflags  string
	// goMod renders the throwaway module's go.mod from upstream's.
	goMod func(upstream []byte) ([]byte, error)
	// versionArgs runs a built binary to prove it names version.
	versionBinary string
	versionArgs   []string
}

// kubeComponent builds the node and control-plane binaries of Kubernetes.
func kubeComponent(version string) (component, error) {
	if _, err := stagingVersion(version); err != nil {
		return component{}, err
	}
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	ld := []string{
		"-s", "-w",
		"-X k8s.io/component-base/version.gitVersion=" + version,
		"-X k8s.io/component-base/version.gitMajor=" + parts[0],
		"-X k8s.io/component-base/version.gitMinor=" + parts[1],
		"-X k8s.io/component-base/version.gitTreeState=clean",
		"-X k8s.io/client-go/pkg/version.gitVersion=" + version,
		"-X k8s.io/client-go/pkg/version.gitMajor=" + parts[0],
		"-X k8s.io/client-go/pkg/version.gitMinor=" + parts[1],
	}
	cmds := []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"}
	for i, c := range cmds {
		cmds[i] = "k8s.io/kubernetes/cmd/" + c
	}
	return component{
		name: "kube", module: "k8s.io/kubernetes", version: version, commands: cmds,
		ldflags:       strings.Join(ld, " "),
		goMod:         func(up []byte) ([]byte, error) { return kubeGoMod(up, version) },
		versionBinary: "kube-apiserver", versionArgs: []string{"--version"},
	}, nil
}

// containerdComponent builds containerd 2.x, its runc shim and ctr, static.
func containerdComponent(version string) (component, error) {
	if !strings.HasPrefix(version, "v2.") {
		return component{}, fmt.Errorf("containerd version %q: want v2.x (Kubernetes >= 1.36 needs containerd 2)", version)
	}
	const mod = "github.com/containerd/containerd/v2"
	ld := "-s -w -X " + mod + "/version.Version=" + version + " -X " + mod + "/version.Package=" + mod
	return component{
		name: "containerd", module: mod, version: version,
		commands: []string{mod + "/cmd/containerd", mod + "/cmd/containerd-shim-runc-v2", mod + "/cmd/ctr"},
		tags:     "no_btrfs no_devmapper no_zfs", ldflags: ld,
		goMod:         func(up []byte) ([]byte, error) { return containerdGoMod(up, mod, version) },
		versionBinary: "containerd", versionArgs: []string{"--version"},
	}, nil
}

// binaries are the names of the built files (the last element of each command).
func (c component) binaries() []string {
	out := make([]string, len(c.commands))
	for i, p := range c.commands {
		out[i] = p[strings.LastIndex(p, "/")+1:]
	}
	return out
}
