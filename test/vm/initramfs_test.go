package vm

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type cpioEntry struct {
	name         string
	mode         uint32
	data         []byte
	major, minor uint32
}

// readCPIO parses a newc archive (the kernel's reader, in small).
func readCPIO(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	field := func(h []byte, i int) uint32 {
		v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
		require.NoError(t, err)
		return uint32(v)
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	for off := 0; ; {
		require.GreaterOrEqual(t, len(b)-off, 110, "truncated header at %d", off)
		h := b[off : off+110]
		require.Equal(t, "070701", string(h[:6]), "magic at %d", off)
		nameLen, size := int(field(h, 11)), int(field(h, 6))
		name := string(b[off+110 : off+110+nameLen-1])
		require.Equal(t, byte(0), b[off+110+nameLen-1], "name %q is NUL-terminated", name)
		dataOff := align(off + 110 + nameLen)
		e := cpioEntry{name: name, mode: field(h, 1), data: b[dataOff : dataOff+size], major: field(h, 9), minor: field(h, 10)}
		if name == "TRAILER!!!" {
			return out
		}
		out = append(out, e)
		off = align(dataOff + size)
	}
}

func TestCPIOWriter(t *testing.T) {
	var buf bytes.Buffer
	c := &cpioWriter{w: &buf}
	c.Dir("/bin")
	c.File("bin/x", []byte("hello"), 0o755)
	c.Symlink("bin/sh", "x")
	c.CharDev("dev/console", 5, 1)
	require.NoError(t, c.Close())
	require.Zero(t, buf.Len()%4)
	got := readCPIO(t, buf.Bytes())
	want := []cpioEntry{
		{name: "bin", mode: modeDir | 0o755, data: []byte{}},
		{name: "bin/x", mode: modeFile | 0o755, data: []byte("hello")},
		{name: "bin/sh", mode: modeSymlink | 0o777, data: []byte("x")},
		{name: "dev/console", mode: modeCharDev | 0o600, data: []byte{}, major: 5, minor: 1},
	}
	assert.Equal(t, want, got)
}

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
	f, err := os.Open(b.Initrd)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	byName := map[string]cpioEntry{}
	for _, e := range readCPIO(t, raw) {
		byName[e.name] = e
	}
	require.Contains(t, byName, "init")
	assert.Equal(t, uint32(modeFile|0o755), byName["init"].mode)
	assert.Contains(t, string(byName["init"].data), Marker)
	assert.Contains(t, byName, "bin/busybox")
	order := strings.Fields(string(byName["modules.order"].data))
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
