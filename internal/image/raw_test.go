package image

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

func zstded(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func xzed(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// TestRawSizeAndSum: a ready image records the size and sha256 of its
// decompressed bytes (what the agent writes and reads back).
func TestRawSizeAndSum(t *testing.T) {
	raw := rawContent(3 << 20)
	for format, enc := range map[string]func(*testing.T, []byte) []byte{
		"raw":     func(_ *testing.T, b []byte) []byte { return b },
		"raw.gz":  gzipped,
		"raw.zst": zstded,
		"raw.xz":  xzed,
	} {
		t.Run(format, func(t *testing.T) {
			f := newFixture(t, nil)
			b := enc(t, raw)
			f.declare(t, "img", inventory.ImageSpec{File: f.writeSource(t, "img", b), Format: format, SHA256: sum(b)})
			require.NoError(t, f.cat.Sync(t.Context()))
			st := f.status(t, "img")
			require.Equal(t, store.ImageReady, st.Status, st.Reason)
			assert.EqualValues(t, len(b), st.Size)
			assert.EqualValues(t, len(raw), st.RawSize)
			assert.Equal(t, sum(raw), st.RawSHA256)
		})
	}
}

// TestCorruptCompressedRefused: content whose sha256 matches the
// declaration but that does not decompress never becomes ready.
func TestCorruptCompressedRefused(t *testing.T) {
	f := newFixture(t, nil)
	b := zstded(t, rawContent(1<<20))
	b = append(b[:len(b)/2:len(b)/2], bytes.Repeat([]byte{0xff}, 4096)...) // magic intact, body garbage
	f.declare(t, "bad", inventory.ImageSpec{File: f.writeSource(t, "bad", b), Format: "raw.zst", SHA256: sum(b)})
	require.NoError(t, f.cat.Sync(t.Context()), "an image's failure is its status, not a sync error")
	st := f.status(t, "bad")
	assert.Equal(t, store.ImageFailed, st.Status)
	assert.Contains(t, st.Reason, "raw.zst content does not decompress")
	f.requireNotServed(t, "bad")
}
