package kmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeKernel writes a modules.dep and modules.builtin shaped like Debian's.
func fakeKernel(t *testing.T) *Index {
	t.Helper()
	dir := t.TempDir()
	dep := `kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/fs/nls/nls_iso8859-1.ko.zst:
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/net/packet/af_packet.ko\n"), 0o644))
	ix, err := Open(dir)
	require.NoError(t, err)
	return ix
}

func TestOrder(t *testing.T) {
	ix := fakeKernel(t)
	tests := []struct {
		name   string
		wanted []string
		want   []string
	}{
		{"deps first, each once", []string{"virtio_net", "virtio_pci"}, []string{
			"kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko",
			"kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko",
			"kernel/drivers/net/virtio_net.ko.xz", "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
			"kernel/drivers/virtio/virtio_pci.ko",
		}},
		{"dash and underscore are one name", []string{"nls_iso8859_1"}, []string{"kernel/fs/nls/nls_iso8859-1.ko.zst"}},
		{"built in needs no file", []string{"af_packet"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ix.Order(tt.wanted)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			for i, f := range got {
				for _, d := range ix.Deps(f) {
					assert.Less(t, slices.Index(got, d), i, "%s loads before %s", d, f)
				}
			}
		})
	}
}

func TestOrderUnknown(t *testing.T) {
	_, err := fakeKernel(t).Order([]string{"virtio_net", "no_such_driver"})
	require.ErrorContains(t, err, `"no_such_driver"`)
}

func TestReadDecompresses(t *testing.T) {
	ix := fakeKernel(t)
	want := []byte("\x7fELF module bytes")
	for _, tc := range []struct{ file, tool string }{
		{"plain.ko", ""}, {"a.ko.xz", "xz"}, {"b.ko.zst", "zstd"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(ix.Dir, tc.file)
			raw := filepath.Join(ix.Dir, Uncompressed(tc.file))
			require.NoError(t, os.WriteFile(raw, want, 0o644))
			if tc.tool != "" {
				if _, err := exec.LookPath(tc.tool); err != nil {
					t.Skipf("%s is not installed", tc.tool)
				}
				out, err := exec.Command(tc.tool, "-q", "-f", raw).CombinedOutput()
				require.NoError(t, err, string(out))
				require.FileExists(t, path)
			}
			got, err := ix.Read(t.Context(), tc.file)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}
