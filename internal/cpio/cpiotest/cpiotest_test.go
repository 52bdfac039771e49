package cpiotest_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/cpio"
	"github.com/slipway-dev/slipway/internal/cpio/cpiotest"
)

// archive returns a gzip'd archive of files, in order.
func archive(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	c := cpio.NewWriter(zw)
	c.Dir("etc")
	for _, f := range files {
		c.File(f, []byte("data of "+f), 0o644)
	}
	require.NoError(t, c.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestUnpack(t *testing.T) {
	gz := archive(t, "etc/a", "init")
	byName, names := cpiotest.Unpack(t, gz)
	assert.Equal(t, []string{"etc", "etc/a", "init"}, names)
	assert.Equal(t, "data of init", string(byName["init"].Data))
	assert.Equal(t, uint32(cpio.ModeDir|0o755), byName["etc"].Mode)

	path := filepath.Join(t.TempDir(), "initrd")
	require.NoError(t, os.WriteFile(path, gz, 0o644))
	assert.Equal(t, byName, cpiotest.UnpackFile(t, path))
}

// TestUnpackFails runs Unpack on a recorder and checks that it fails it.
func TestUnpackFails(t *testing.T) {
	for name, gz := range map[string][]byte{
		"not gzip":   []byte("070701"),
		"twice":      archive(t, "init", "init"),
		"not a cpio": gzipOf(t, []byte("hello")),
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() { // FailNow ends the goroutine (runtime.Goexit)
				defer close(done)
				cpiotest.Unpack(r, gz)
			}()
			<-done
			assert.True(t, r.failed, "Unpack failed the test")
		})
	}
}

func gzipOf(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// recorder notes a failure instead of failing the real test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; runtime.Goexit() }
func (r *recorder) Helper()               {}
