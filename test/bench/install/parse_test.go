package install

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These run without a VM: the parts of the benchmark that could silently
// report wrong figures.

func TestParseMarks(t *testing.T) {
	log := "[    1.2] virtio_net virtio1 eth0: renamed\n" +
		"SLIPWAY-BENCH ready cpu=1 mem_kb=981708 simd=none\n" +
		"slipway-agent: level=INFO msg=progress phase=download\n" +
		"SLIPWAY-BENCH agent rc=0 start=4.10 end=14.60\n" +
		"SLIPWAY-BENCH pipeline2 rc=1 start=15.00 end=17.55\n" +
		"SLIPWAY-BENCH done\n"
	steps, err := parseMarks(log)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"cpu": "1", "mem_kb": "981708", "simd": "none"}, steps["ready"].Fields)
	assert.InDelta(t, 10.5, steps["agent"].seconds(), 1e-9)
	assert.Equal(t, 0, steps["agent"].RC)
	assert.Equal(t, 1, steps["pipeline2"].RC)
	assert.InDelta(t, 100.0, step{Start: 1, End: 2}.mbps(100e6), 1e-9)
	assert.Contains(t, steps, "done")

	_, err = parseMarks("SLIPWAY-BENCH agent rc=x start=1 end=2\n")
	assert.ErrorContains(t, err, `line "SLIPWAY-BENCH agent rc=x start=1 end=2"`)
}

func TestInitScript(t *testing.T) {
	s := renderInit(t, scriptParams{CIDR: vmCIDR, URL: "http://198.18.7.1:8080/i", Disk: "/dev/vda",
		Image: benchImage{SHA256: "aa", Size: 10, RawSHA256: "bb", RawSize: 4 << 20}})
	for _, want := range []string{
		"slipway-agent install -url http://198.18.7.1:8080/i -format raw.zst -sha256 aa -size 10 \\\n  -raw-sha256 bb -raw-size 4194304 -disk /dev/vda",
		"curl -sS http://198.18.7.1:8080/i | zstd -dq | dd of=/dev/vda bs=4M iflag=fullblock oflag=direct conv=fsync",
		"dd if=/dev/vda bs=4M count=4194304 iflag=direct,count_bytes",
		"set -o pipefail",
		"ip addr add 198.18.7.2/24 dev eth0",
	} {
		assert.Contains(t, s, want)
	}
	first, agent, second := strings.Index(s, "pipeline pipeline1"), strings.Index(s, "slipway-agent install"), strings.Index(s, "pipeline pipeline2")
	assert.True(t, first >= 0 && first < agent && agent < second, "the pipeline runs before and after the agent")
}

func TestPeerFiles(t *testing.T) {
	if _, err := exec.LookPath("ldd"); err != nil {
		t.Skip("no ldd")
	}
	files, err := peerFiles([]string{"/usr/bin/dd"})
	if err != nil {
		t.Skipf("dd: %v", err)
	}
	assert.Equal(t, "/usr/bin/dd=/usr/bin/dd", files[0])
	assert.Contains(t, files, "/lib/bench/libc.so.6=/lib/x86_64-linux-gnu/libc.so.6")
	assert.True(t, strings.HasPrefix(files[len(files)-1], "/lib64/ld-linux-x86-64.so.2="), files)
	_, err = peerFiles([]string{"/nonexistent/tool"})
	assert.ErrorContains(t, err, "ldd /nonexistent/tool")
}
