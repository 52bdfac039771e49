// Package cpiotest unpacks gzip'd newc archives (initramfs images) in
// tests: the images' builders and the test harnesses check what the kernel
// will find in the initramfs they wrote.
package cpiotest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cpio"
)

// Unpack gunzips and parses an initramfs. It fails t unless the archive is
// valid newc with one entry per path, and returns the entries by name and
// their names in archive order.
func Unpack(t testing.TB, gz []byte) (map[string]cpio.Entry, []string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	require.NoError(t, err, "initramfs: gzip")
	raw, err := io.ReadAll(zr)
	require.NoError(t, err, "initramfs: gzip")
	entries, err := cpio.Read(raw)
	require.NoError(t, err)
	byName := map[string]cpio.Entry{}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		require.NotContains(t, byName, e.Name, "one entry per path")
		byName[e.Name] = e
		names = append(names, e.Name)
	}
	return byName, names
}

// UnpackFile is Unpack of the file at path, by name.
func UnpackFile(t testing.TB, path string) map[string]cpio.Entry {
	t.Helper()
	gz, err := os.ReadFile(path)
	require.NoError(t, err)
	byName, _ := Unpack(t, gz)
	return byName
}
