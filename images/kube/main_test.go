package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
)

const kubeUpstream = `module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apimachinery => ./staging/src/k8s.io/apimachinery
	github.com/example/fork => github.com/example/fork v1.2.3
)
`

const containerdUpstream = `module github.com/containerd/containerd/v2

go 1.24.0

require github.com/containerd/cgroups/v3 v3.1.0

exclude (
	github.com/containerd/containerd v1.7.0
	github.com/containerd/containerd v1.7.1
)

replace github.com/local/thing => ../thing
`

func TestKubeGoMod(t *testing.T) {
	out, err := kubeGoMod([]byte(kubeUpstream), "v1.37.2")
	require.NoError(t, err)
	f, err := modfile.Parse("go.mod", out, nil)
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "1.26.0", f.Go.Version)
	require.Len(t, f.Godebug, 1)
	assert.Equal(t, "default", f.Godebug[0].Key)
	require.Len(t, f.Require, 1)
	assert.Equal(t, "k8s.io/kubernetes", f.Require[0].Mod.Path)
	assert.Equal(t, "v1.37.2", f.Require[0].Mod.Version)
	got := map[string]string{}
	for _, r := range f.Replace {
		assert.Equal(t, r.Old.Path, r.New.Path)
		got[r.Old.Path] = r.New.Version
	}
	assert.Equal(t, map[string]string{"k8s.io/api": "v0.37.2", "k8s.io/apimachinery": "v0.37.2"}, got)

	_, err = kubeGoMod([]byte("module x\n"), "v1.37.2")
	require.ErrorContains(t, err, "staging")
	for _, v := range []string{"1.37.2", "v2.0.0", "v1.37.0-rc.1", "latest"} {
		_, err = kubeGoMod([]byte(kubeUpstream), v)
		require.Error(t, err, v)
	}
}

func TestContainerdGoMod(t *testing.T) {
	out, err := containerdGoMod([]byte(containerdUpstream), "github.com/containerd/containerd/v2", "v2.2.0")
	require.NoError(t, err)
	f, err := modfile.Parse("go.mod", out, nil)
	require.NoError(t, err, "%s", out)
	require.Len(t, f.Exclude, 2)
	assert.Equal(t, "v1.7.1", f.Exclude[1].Mod.Version)
	assert.Empty(t, f.Replace, "a local replace cannot be followed")
	assert.Equal(t, "v2.2.0", f.Require[0].Mod.Version)
}

func TestComponents(t *testing.T) {
	k, err := kubeComponent("v1.37.2")
	require.NoError(t, err)
	assert.Equal(t, []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"}, k.binaries())
	for _, want := range []string{"version.gitVersion=v1.37.2", "version.gitMajor=1", "version.gitMinor=37", "client-go/pkg/version.gitVersion=v1.37.2"} {
		assert.Contains(t, k.ldflags, want)
	}
	c, err := containerdComponent("v2.2.0")
	require.NoError(t, err)
	assert.Equal(t, []string{"containerd", "containerd-shim-runc-v2", "ctr"}, c.binaries())
	assert.Equal(t, "no_btrfs no_devmapper no_zfs", c.tags)
	_, err = containerdComponent("v1.7.0")
	require.ErrorContains(t, err, "containerd 2")
	assert.Contains(t, string(toolsGo(k.commands)), `_ "k8s.io/kubernetes/cmd/kubelet"`)
}

// TestCachedBuildDoesNothing: with a manifest matching the binaries the
// builder never runs go; a changed binary makes it rebuild.
func TestCachedBuildDoesNothing(t *testing.T) {
	root := t.TempDir()
	c, err := containerdComponent("v2.2.0")
	require.NoError(t, err)
	b := builder{root: root, goBin: filepath.Join(root, "no-such-go"), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	out := b.outDir(c)
	require.NoError(t, os.MkdirAll(out, 0o755))
	for _, name := range c.binaries() {
		require.NoError(t, os.WriteFile(filepath.Join(out, name), []byte(name), 0o755))
	}
	m, err := newManifest(c, out, time.Minute)
	require.NoError(t, err)
	require.NoError(t, m.write(out))

	got, err := b.build(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, m, got)

	require.NoError(t, os.WriteFile(filepath.Join(out, "ctr"), []byte("tampered"), 0o755))
	_, err = b.build(context.Background(), c)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "no-such-go"), err.Error())
}
