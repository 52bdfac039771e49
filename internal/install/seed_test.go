package install

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/agent"
)

var testSeed = agent.Seed{
	MetaData:      "instance-id: r1-u07\nlocal-hostname: r1-u07\n",
	UserData:      "#cloud-config\nwrite_files:\n- path: /etc/big\n  content: " + strings.Repeat("x", 3000) + "\n",
	NetworkConfig: "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n",
}

// seededDisk installs a raw image with testSeed and returns the disk.
func seededDisk(t *testing.T) string {
	raw := testImage(t, rawSize)
	srv := newImageServer(t, raw)
	path, disks := diskFor(t)
	in := task(srv.URL, "raw", raw, raw)
	in.Seed = &testSeed
	_, err := fastInstaller(nil, nil).Install(context.Background(), in, disks)
	require.NoError(t, err)
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
	return string(out)
}

// The seed is a FAT filesystem that the standard tools accept: fsck.vfat
// finds nothing to fix, mtools lists and reads the long names, blkid sees
// LABEL=CIDATA, sfdisk the partition.
func TestSeedTools(t *testing.T) {
	for _, tool := range []string{"fsck.vfat", "mdir", "mtype", "blkid", "sfdisk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install dosfstools mtools util-linux fdisk)", tool)
		}
	}
	disk := seededDisk(t)
	off := SeedOffset(rawSize)
	b, err := os.ReadFile(disk)
	require.NoError(t, err)
	part := filepath.Join(t.TempDir(), "cidata.img")
	require.NoError(t, os.WriteFile(part, b[off:off+agent.SeedSizeBytes], 0o600))

	out := run(t, "fsck.vfat", "-n", "-v", part)
	assert.Contains(t, out, "16 bit entries")
	assert.Contains(t, out, "4 files") // the label and three files
	assert.NotContains(t, strings.ToLower(out), "fix")

	out = run(t, "blkid", "-p", "-o", "export", part)
	assert.Contains(t, out, "LABEL=CIDATA\n")
	assert.Contains(t, out, "TYPE=vfat\n")

	img := fmt.Sprintf("%s@@%d", disk, off)
	out = run(t, "mdir", "-i", img, "::")
	for _, name := range []string{"meta-data", "user-data", "network-config"} {
		assert.Contains(t, out, name)
	}
	t.Setenv("MTOOLS_SKIP_CHECK", "1")
	assert.Equal(t, testSeed.MetaData, run(t, "mtype", "-i", img, "::meta-data"))
	assert.Equal(t, testSeed.UserData, run(t, "mtype", "-i", img, "::user-data"))
	assert.Equal(t, testSeed.NetworkConfig, run(t, "mtype", "-i", img, "::network-config"))

	out = run(t, "sfdisk", "--dump", disk)
	assert.Regexp(t, fmt.Sprintf(`img2 : start= *%d, size= *%d, type=c\n`, off/512, agent.SeedSizeBytes/512), out)
	assert.Contains(t, out, "type=83", "the image's partition is kept")
}

// As root, the kernel mounts the partition (vfat, long names) as cloud-init would.
func TestSeedMounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting the seed needs root")
	}
	if fs, err := os.ReadFile("/proc/filesystems"); err != nil || !strings.Contains(string(fs), "vfat") {
		if exec.Command("modprobe", "vfat").Run() != nil {
			t.Skip("this kernel has no vfat filesystem (modprobe vfat failed)")
		}
	}
	disk := seededDisk(t)
	mnt := t.TempDir()
	off := SeedOffset(rawSize)
	run(t, "mount", "-t", "vfat", "-o", fmt.Sprintf("loop,ro,offset=%d,sizelimit=%d", off, agent.SeedSizeBytes), disk, mnt)
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	for name, want := range map[string]string{
		"meta-data": testSeed.MetaData, "user-data": testSeed.UserData, "network-config": testSeed.NetworkConfig,
	} {
		got, err := os.ReadFile(filepath.Join(mnt, name))
		require.NoError(t, err)
		assert.Equal(t, want, string(got), name)
	}
}

func TestSeedRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		mbr  func(b []byte)
		want string
	}{
		{"no mbr", func(b []byte) { b[510] = 0 }, "no MBR partition table"},
		{"gpt", func(b []byte) { b[446+4] = 0xee }, "GPT partition table"},
		{"full", func(b []byte) {
			for i := 1; i < 4; i++ {
				b[446+16*i+4] = 0x83
			}
		}, "no free primary partition slot"},
		{"overlap", func(b []byte) { copy(b[446+12:], []byte{0xff, 0xff, 0xff, 0}) }, "overlaps the seed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := testImage(t, rawSize)
			tc.mbr(img[:512])
			path := testDisk(t, Needed(rawSize))
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			require.NoError(t, err)
			defer f.Close()
			_, err = f.WriteAt(img, 0)
			require.NoError(t, err)
			err = WriteSeed(f, rawSize, testSeed)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	big := agent.Seed{UserData: string(bytes.Repeat([]byte{'x'}, agent.SeedSizeBytes))}
	_, err := buildFAT(agent.SeedSizeBytes, SeedLabel, 0, []fatFile{{"user-data", []byte(big.UserData)}})
	assert.ErrorContains(t, err, "do not fit")
}
