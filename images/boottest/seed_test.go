package boottest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	mib      = 1 << 20
	seedSize = 8 * mib
)

// seed is one machine's NoCloud configuration.
type seed struct {
	InstanceID, Hostname, URL string
	Script                    string // a shell script for runcmd (Debian), optional
}

func (s seed) metaData() string {
	return fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", s.InstanceID, s.Hostname)
}

// userData is a #cloud-config with the phone_home block the appliance
// renders (and the script as one runcmd item: cloud-init runs it in the
// final stage before phone_home).
func (s seed) userData() string {
	ud := fmt.Sprintf(`#cloud-config
phone_home:
  url: %s
  post: [instance_id, hostname]
  tries: 10
`, s.URL)
	if s.Script != "" {
		ud += "runcmd:\n  - |\n    " + strings.ReplaceAll(strings.TrimSpace(s.Script), "\n", "\n    ") + "\n"
	}
	return ud
}

// installDisk decompresses the image into a disk of diskSize bytes and
// appends the seed as the installer does: a FAT partition labelled CIDATA
// starting at the image's raw size rounded up to 1 MiB.
func installDisk(t *testing.T, zst string, diskSize int64, s seed) string {
	t.Helper()
	dir := t.TempDir()
	disk := filepath.Join(dir, "disk.raw")
	run(t, "zstd", "-d", "-q", "-f", zst, "-o", disk)
	st, err := os.Stat(disk)
	require.NoError(t, err)
	start := (st.Size() + mib - 1) / mib * mib
	require.LessOrEqual(t, start+seedSize, diskSize, "disk too small for the image and its seed")
	require.NoError(t, os.Truncate(disk, diskSize))
	part := fmt.Sprintf("start=%d, size=%d, type=c\n", start/512, seedSize/512)
	runIn(t, part, "sfdisk", "--quiet", "--append", disk)
	// FAT12 explicitly: mkfs.vfat sizes its choice by the whole disk file.
	run(t, "mkfs.vfat", "--offset", fmt.Sprint(start/512), "-F", "12", "-n", "CIDATA", disk, fmt.Sprint(seedSize/1024))
	files := map[string]string{"meta-data": s.metaData(), "user-data": s.userData()}
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		run(t, "mcopy", "-i", fmt.Sprintf("%s@@%d", disk, start), p, "::"+name)
	}
	return disk
}

func run(t *testing.T, name string, args ...string) { t.Helper(); runIn(t, "", name, args...) }

func runIn(t *testing.T, stdin, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}
