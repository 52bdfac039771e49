package tftp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrepareRoot(t *testing.T) {
	src := t.TempDir()
	for _, name := range BootFiles() {
		require.NoError(t, os.WriteFile(filepath.Join(src, "real-"+name), []byte("bin "+name), 0o600))
		require.NoError(t, os.Symlink("real-"+name, filepath.Join(src, name))) // as Debian links ipxe.efi
	}
	root := filepath.Join(t.TempDir(), "tftp")
	require.NoError(t, PrepareRoot(root, src))
	require.NoError(t, PrepareRoot(root, src), "idempotent")
	for _, name := range BootFiles() {
		fi, err := os.Lstat(filepath.Join(root, name))
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular(), "%s is a copy, not a link", name)
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
		b, err := os.ReadFile(filepath.Join(root, name))
		require.NoError(t, err)
		assert.Equal(t, "bin "+name, string(b))
	}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	assert.Len(t, entries, len(BootFiles()), "no temporary files left")
}

func TestPrepareRootMissing(t *testing.T) {
	err := PrepareRoot(filepath.Join(t.TempDir(), "tftp"), t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `install Debian's "ipxe" package`)
	assert.Contains(t, err.Error(), "netboot.ipxeDir")
}

// TestPrepareRootDebian copies the real binaries of Debian's ipxe package.
func TestPrepareRootDebian(t *testing.T) {
	if _, err := os.Stat("/usr/lib/ipxe/undionly.kpxe"); err != nil {
		t.Skip("Debian's ipxe package is not installed (make deps)")
	}
	root := t.TempDir()
	require.NoError(t, PrepareRoot(root, "/usr/lib/ipxe"))
	for _, name := range BootFiles() {
		fi, err := os.Stat(filepath.Join(root, name))
		require.NoError(t, err)
		assert.Greater(t, fi.Size(), int64(50<<10), name)
	}
}
