package boottest

import (
	"bytes"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/cpio/cpiotest"
	"github.com/slipway-dev/slipway/internal/kmod"
)

// agentDrivers are the NIC, disk and filesystem drivers the agent must be
// able to load (Debian's kernel has them as modules).
var agentDrivers = []string{
	"virtio_pci", "virtio_net", "virtio_blk", "virtio_scsi", "e1000", "e1000e", "igb", "ixgbe",
	"ahci", "sd_mod", "nvme", "vfat", "fat", "nls_cp437", "nls_iso8859_1", "nls_utf8", "nls_ascii",
}

// TestAgentInitramfsModules checks the built agent initramfs against the
// kernel's modules.dep: every driver above and every module it depends on
// is in the archive, decompressed, listed in modules.order after its
// dependencies; /init is the static agent.
func TestAgentInitramfsModules(t *testing.T) {
	initrd := artifact(t, "agent/initrd", "images-agent")
	entries := cpiotest.UnpackFile(t, initrd)
	order := strings.Fields(string(entries["etc/slipway/modules.order"].Data))
	require.NotEmpty(t, order, "modules.order")
	release := strings.Split(strings.TrimPrefix(order[0], "/lib/modules/"), "/")[0]
	ix, err := kmod.Open("/lib/modules/" + release)
	if err != nil {
		t.Skipf("kernel %s is not installed here to check against: %v", release, err)
	}
	want, err := ix.Order(agentDrivers)
	require.NoError(t, err)
	base := "/lib/modules/" + release + "/"
	pos := map[string]int{}
	for i, p := range order {
		pos[p] = i
		e, ok := entries[strings.TrimPrefix(p, "/")]
		if assert.True(t, ok, "%s listed but not in the archive", p) {
			assert.True(t, bytes.HasPrefix(e.Data, []byte("\x7fELF")), "%s is an uncompressed module", p)
		}
	}
	for _, f := range want {
		p := base + kmod.Uncompressed(f)
		i, ok := pos[p]
		if !assert.True(t, ok, "%s is missing", p) {
			continue
		}
		for _, d := range ix.Deps(f) {
			j, ok := pos[base+kmod.Uncompressed(d)]
			assert.True(t, ok && j < i, "%s (needed by %s) loads before it", d, path.Base(f))
		}
	}
	initEntry := entries["init"]
	assert.Equal(t, uint32(cpio.ModeFile|0o755), initEntry.Mode)
	assert.True(t, bytes.HasPrefix(initEntry.Data, []byte("\x7fELF")), "/init is a program")
	assert.False(t, bytes.Contains(initEntry.Data, []byte("/lib64/ld-linux")), "/init is static")
	assert.NotEmpty(t, strings.TrimSpace(string(entries["etc/slipway/agent.version"].Data)), "agent.version")
	assert.Contains(t, entries, "bin/busybox")
	assert.Equal(t, "busybox", string(entries["bin/sh"].Data))
	st, err := os.Stat(initrd)
	require.NoError(t, err)
	t.Logf("agent initramfs: %d entries, %d modules, %.1f MiB", len(entries), len(order), float64(st.Size())/(1<<20))
}
