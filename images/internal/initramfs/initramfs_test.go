package initramfs

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/cpio/cpiotest"
	"github.com/slipway-dev/slipway/internal/kmod"
)

func fakeKernel(t *testing.T) *kmod.Index {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "6.1.0-99-amd64")
	dep := "kernel/a/virtio.ko:\nkernel/a/virtio_net.ko: kernel/a/virtio.ko\nkernel/b/vfat.ko: kernel/b/fat.ko\nkernel/b/fat.ko:\n"
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "kernel/a"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "kernel/b"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644))
	for _, f := range []string{"kernel/a/virtio.ko", "kernel/a/virtio_net.ko", "kernel/b/vfat.ko", "kernel/b/fat.ko"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("ELF "+f), 0o644))
	}
	ix, err := kmod.Open(dir)
	require.NoError(t, err)
	return ix
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	m, err := Write(t.Context(), &buf, Spec{
		Init:    []byte("#!/bin/sh\n"),
		Busybox: []byte("BB"),
		Applets: []string{"sh", "busybox", "udhcpc"},
		Kernel:  fakeKernel(t),
		Modules: []string{"virtio_net", "vfat"},
		Files:   []File{{Path: "/etc/slipway/agent.version", Data: []byte("v1\n")}},
	})
	require.NoError(t, err)
	byName, names := cpiotest.Unpack(t, buf.Bytes())
	base := "/lib/modules/6.1.0-99-amd64/kernel/"
	wantOrder := []string{base + "a/virtio.ko", base + "a/virtio_net.ko", base + "b/fat.ko", base + "b/vfat.ko"}
	assert.Equal(t, wantOrder, m.Modules)
	assert.Equal(t, strings.Join(wantOrder, "\n")+"\n", string(byName["etc/slipway/modules.order"].Data))
	for _, p := range wantOrder {
		e := byName[strings.TrimPrefix(p, "/")]
		assert.Equal(t, "ELF "+strings.TrimPrefix(p, "/lib/modules/6.1.0-99-amd64/"), string(e.Data))
	}
	assert.Equal(t, uint32(cpio.ModeFile|0o755), byName["init"].Mode)
	assert.Equal(t, "busybox", string(byName["bin/udhcpc"].Data))
	assert.Equal(t, uint32(cpio.ModeSymlink|0o777), byName["bin/sh"].Mode)
	assert.Equal(t, "BB", string(byName["bin/busybox"].Data), "the busybox applet does not replace the binary")
	assert.Equal(t, uint32(cpio.ModeCharDev|0o600), byName["dev/console"].Mode)
	assert.Equal(t, "v1\n", string(byName["etc/slipway/agent.version"].Data))
	assert.Equal(t, len(names), m.Files+3, "every entry but the three device nodes is counted")
	// Every parent directory comes before what it holds.
	seen := map[string]bool{".": true}
	for _, n := range names {
		assert.True(t, seen[filepath.Dir(n)], "%s: parent directory first", n)
		seen[n] = true
	}
}

func TestWriteUnknownModule(t *testing.T) {
	_, err := Write(t.Context(), io.Discard, Spec{Init: []byte("x"), Kernel: fakeKernel(t), Modules: []string{"nope"}})
	require.ErrorContains(t, err, `"nope"`)
}

func TestKernelRelease(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"6.1.0-9-amd64", "6.1.0-56-amd64", "6.1.0-60-amd64"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, "boot"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "boot", "vmlinuz-"+rel), nil, 0o644))
		if rel != "6.1.0-60-amd64" { // a kernel without modules is skipped
			require.NoError(t, os.MkdirAll(filepath.Join(root, "lib/modules", rel), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(root, "lib/modules", rel, "modules.dep"), nil, 0o644))
		}
	}
	rel, err := KernelRelease(root)
	require.NoError(t, err)
	assert.Equal(t, "6.1.0-56-amd64", rel)
	_, err = KernelRelease(t.TempDir())
	require.Error(t, err)
}
