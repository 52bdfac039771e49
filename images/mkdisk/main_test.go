package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunWithRoot(t *testing.T) {
	for _, tool := range []string{"sfdisk", "mkfs.vfat", "mcopy", "mtype", "syslinux", "mkfs.ext4"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps)", tool)
		}
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sbin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "sbin", "init"), []byte("#!/bin/sh\n"), 0o755))
	for _, f := range []string{"vmlinuz", "initrd"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644))
	}
	out := filepath.Join(dir, "disk.raw")
	var stdout bytes.Buffer
	err := run(t.Context(), []string{"-out", out, "-esp-mib", "48", "-root-dir", root, "-label-id", "0xdeadbeef",
		"-kernel", filepath.Join(dir, "vmlinuz"), "-initrd", filepath.Join(dir, "initrd"), "-cmdline", "console=ttyS0,115200"},
		&stdout, io.Discard)
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), "raw 114 MiB (ESP 48 MiB, root 65 MiB)")
	assert.NoFileExists(t, out+".root.ext4", "the temporary root filesystem is removed")
	cmd := exec.Command("mtype", "-i", out+"@@1048576", "::/loader/entries/slipway.conf")
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	entry, err := cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, string(entry), "options root=PARTUUID=deadbeef-02 ro console=ttyS0,115200\n")
}

func TestParseRejects(t *testing.T) {
	for name, args := range map[string][]string{
		"no kernel":    {"-out", "x", "-initrd", "i"},
		"bad label id": {"-out", "x", "-kernel", "k", "-initrd", "i", "-label-id", "xyz"},
		"small esp":    {"-out", filepath.Join(t.TempDir(), "x"), "-kernel", "k", "-initrd", "i", "-size-mib", "8"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, run(t.Context(), args, io.Discard, io.Discard))
		})
	}
}
