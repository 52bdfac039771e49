package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/cpio/cpiotest"
)

// fakeRoot is a tree with one kernel and two modules.
func fakeRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mods := filepath.Join(root, "lib/modules/6.1.0-7-amd64")
	require.NoError(t, os.MkdirAll(filepath.Join(mods, "kernel"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "boot"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "boot/vmlinuz-6.1.0-7-amd64"), []byte("KERNEL"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(mods, "modules.dep"), []byte("kernel/b.ko: kernel/a.ko\nkernel/a.ko:\n"), 0o644))
	for _, m := range []string{"a", "b"} {
		require.NoError(t, os.WriteFile(filepath.Join(mods, "kernel", m+".ko"), []byte("ELF"+m), 0o644))
	}
	return root
}

func TestRun(t *testing.T) {
	root, out := fakeRoot(t), t.TempDir()
	init := filepath.Join(out, "agent")
	require.NoError(t, os.WriteFile(init, []byte("AGENT"), 0o755))
	extra := filepath.Join(out, "script")
	require.NoError(t, os.WriteFile(extra, []byte("#!/bin/sh\n"), 0o755))
	var stdout bytes.Buffer
	err := run(t.Context(), []string{
		"-root", root, "-busybox", "", "-init", init, "-modules", "b", "-version", "v9",
		"-file", "/etc/x.script=" + extra, "-out", out + "/img/initrd", "-kernel-out", out + "/img/vmlinuz",
	}, &stdout, io.Discard)
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), "2 modules")
	kernel, err := os.ReadFile(out + "/img/vmlinuz")
	require.NoError(t, err)
	assert.Equal(t, "KERNEL", string(kernel))

	got := cpiotest.UnpackFile(t, out+"/img/initrd")
	assert.Equal(t, "AGENT", string(got["init"].Data))
	assert.Equal(t, "v9\n", string(got["etc/slipway/agent.version"].Data))
	assert.Equal(t, uint32(cpio.ModeFile|0o755), got["etc/x.script"].Mode)
	assert.Equal(t, "/lib/modules/6.1.0-7-amd64/kernel/a.ko\n/lib/modules/6.1.0-7-amd64/kernel/b.ko\n",
		string(got["etc/slipway/modules.order"].Data))
	assert.NotContains(t, got, "bin/busybox")
}

func TestRunRejects(t *testing.T) {
	root := fakeRoot(t)
	init := filepath.Join(t.TempDir(), "init")
	require.NoError(t, os.WriteFile(init, nil, 0o755))
	out := filepath.Join(t.TempDir(), "initrd")
	for name, args := range map[string][]string{
		"no out":         {"-init", init},
		"bad file flag":  {"-init", init, "-out", out, "-busybox", "", "-file", "relative=x"},
		"unknown module": {"-init", init, "-out", out, "-busybox", "", "-root", root, "-modules", "nope"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, run(t.Context(), args, io.Discard, io.Discard))
			assert.NoFileExists(t, out)
		})
	}
}
