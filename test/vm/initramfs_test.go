package vm

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/cpio/cpiotest"
)

// TestBuildBoot builds the real test initramfs from this host's kernel and
// busybox-static and checks what the kernel will find in it.
func TestBuildBoot(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skip("busybox-static is not installed")
	}
	if _, err := kernelRelease(); err != nil {
		t.Skip(err.Error())
	}
	b, err := BuildBoot(t.TempDir())
	require.NoError(t, err)
	byName := cpiotest.UnpackFile(t, b.Initrd)
	require.Contains(t, byName, "init")
	assert.Equal(t, uint32(cpio.ModeFile|0o755), byName["init"].Mode)
	assert.Contains(t, string(byName["init"].Data), Marker)
	assert.Contains(t, byName, "bin/busybox")
	assert.Equal(t, uint32(cpio.ModeCharDev|0o600), byName["dev/ttyS0"].Mode)
	order := strings.Fields(string(byName["modules.order"].Data))
	require.Contains(t, order, "virtio_net.ko")
	for _, m := range order {
		assert.Contains(t, byName, "modules/"+m)
	}
	// Dependencies load first.
	idx := func(name string) int { return slices.Index(order, name) }
	if i := idx("net_failover.ko"); i >= 0 {
		assert.Less(t, i, idx("virtio_net.ko"))
	}
	st, err := os.Stat(b.Kernel)
	require.NoError(t, err)
	assert.Positive(t, st.Size())
}
