package disk

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test -update to create %s", p)
	assert.Equal(t, string(want), string(got), "%s differs (go test -update rewrites it)", p)
}

var debianLayout = Layout{LabelID: 0x5119a700, ESPSize: 128 * MiB, RootSize: 1500 * MiB}

func TestSfdiskScript(t *testing.T) {
	golden(t, "tiny.sfdisk", []byte(Layout{LabelID: 0x5119a700, ESPSize: 63 * MiB}.SfdiskScript()))
	golden(t, "debian.sfdisk", []byte(debianLayout.SfdiskScript()))
	assert.Equal(t, "5119a700-02", debianLayout.RootPARTUUID())
	assert.Equal(t, int64(1629*MiB), debianLayout.Size())
}

func TestLayoutValidate(t *testing.T) {
	for _, l := range []Layout{{ESPSize: 0}, {ESPSize: 39 * MiB}, {ESPSize: 64*MiB + 1}, {ESPSize: 64 * MiB, RootSize: 7}} {
		assert.Error(t, l.Validate(), "%+v", l)
	}
	assert.NoError(t, debianLayout.Validate())
}

func TestBootConfigs(t *testing.T) {
	files, err := Boot{Title: "Slipway tiny OS", Cmdline: "console=ttyS0,115200 quiet"}.Configs()
	require.NoError(t, err)
	golden(t, "syslinux.cfg", files[SyslinuxCfg])
	golden(t, "loader.conf", files[LoaderConf])
	golden(t, "slipway.conf", files[LoaderEntry])
	assert.Len(t, files, 3)
}

func TestRootSizeFor(t *testing.T) {
	assert.Equal(t, int64(64*MiB), RootSizeFor(0))
	assert.Equal(t, int64(1000*MiB+200*MiB+64*MiB), RootSizeFor(1000*MiB))
	assert.Zero(t, RootSizeFor(12345)%MiB)
}

func TestCopyAtSparse(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	data := make([]byte, 3*copyChunk+100)
	copy(data[copyChunk*2+5:], "payload")
	data[len(data)-1] = 9
	require.NoError(t, os.WriteFile(src, data, 0o644))
	require.NoError(t, create(dst, 8*MiB))
	n, err := CopyAt(dst, MiB, 4*MiB, src)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), n)
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, data, got[MiB:MiB+len(data)])
	_, err = CopyAt(dst, 0, 100, src)
	require.ErrorContains(t, err, "do not fit")
}

func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"sfdisk", "mkfs.vfat", "mmd", "mcopy", "mdir", "syslinux", "mkfs.ext4"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (%s)", tool, toolsPackage)
		}
	}
	for _, f := range []string{SyslinuxMBR, SystemdBoot} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is missing (%s)", f, toolsPackage)
		}
	}
}

// TestBuild assembles a real two-partition image from fake kernel files and
// reads it back with sfdisk and mtools.
func TestBuild(t *testing.T) {
	requireTools(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc", "hostname"), []byte("x\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "k"), []byte("KERNEL"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "i"), []byte("INITRD"), 0o644))
	rootfs := filepath.Join(dir, "root.ext4")
	require.NoError(t, MakeExt4(t.Context(), root, rootfs, 8*MiB, 10))
	img := Image{
		Path: filepath.Join(dir, "disk.raw"), Kernel: filepath.Join(dir, "k"), Initrd: filepath.Join(dir, "i"),
		Layout: Layout{LabelID: 0xabcd0001, ESPSize: 40 * MiB, RootSize: 8 * MiB},
		Boot:   Boot{Title: "t", Cmdline: "console=ttyS0"}, RootFS: rootfs,
	}
	require.NoError(t, Build(t.Context(), slog.New(slog.DiscardHandler), img))

	out, err := exec.Command("sfdisk", "--json", img.Path).Output()
	require.NoError(t, err)
	var pt struct {
		PartitionTable struct {
			ID         string
			Partitions []struct {
				Start, Size int64
				Type        string
				Bootable    bool
			}
		}
	}
	require.NoError(t, json.Unmarshal(out, &pt))
	ps := pt.PartitionTable.Partitions
	require.Len(t, ps, 2, "slots 3 and 4 stay free for the seed partition")
	assert.Equal(t, "0xabcd0001", pt.PartitionTable.ID)
	assert.Equal(t, int64(2048), ps[0].Start)
	assert.Equal(t, "ef", ps[0].Type)
	assert.True(t, ps[0].Bootable)
	assert.Equal(t, int64(2048+40*2048), ps[1].Start)
	assert.Equal(t, "83", ps[1].Type)

	raw, err := os.ReadFile(img.Path)
	require.NoError(t, err)
	mbr, err := os.ReadFile(SyslinuxMBR)
	require.NoError(t, err)
	assert.Equal(t, mbr, raw[:len(mbr)], "syslinux boot code in the MBR")
	assert.Equal(t, []byte{0x55, 0xaa}, raw[510:512])
	ext, err := os.ReadFile(rootfs)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(ext, raw[img.Layout.RootOffset():img.Layout.RootOffset()+int64(len(ext))]), "root filesystem in partition 2")

	listing, err := exec.Command("mdir", "-a", "-b", "-/", "-i", img.Path+"@@1048576", "::").Output()
	require.NoError(t, err)
	for _, p := range []string{KernelPath, InitrdPath, SyslinuxCfg, LoaderConf, LoaderEntry, EFILoader, "/ldlinux.sys", "/ldlinux.c32"} {
		assert.Contains(t, strings.Split(string(listing), "\n"), "::"+p, "ESP holds %s", p)
	}
}
