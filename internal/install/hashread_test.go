package install

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashingReader(t *testing.T) {
	data := testImage(t, 3*hashChunkSize*hashChunks+777) // the chunks are reused many times
	for _, tc := range []struct {
		name string
		size int // bytes of data served
		src  func(b []byte) io.Reader
		read func(r io.Reader) ([]byte, error)
	}{
		{"large reads", len(data), func(b []byte) io.Reader { return bytes.NewReader(b) }, io.ReadAll},
		{"one byte from src", 5000, func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }, io.ReadAll},
		{"data with EOF", len(data), func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }, io.ReadAll},
		{"small reads", len(data), func(b []byte) io.Reader { return bytes.NewReader(b) }, func(r io.Reader) ([]byte, error) {
			var out bytes.Buffer
			_, err := io.CopyBuffer(&out, struct{ io.Reader }{r}, make([]byte, 1000))
			return out.Bytes(), err
		}},
		{"half reads", len(data), func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }, func(r io.Reader) ([]byte, error) {
			return io.ReadAll(iotest.HalfReader(r))
		}},
		{"empty", 0, func(b []byte) io.Reader { return bytes.NewReader(b) }, io.ReadAll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			served := data[:tc.size]
			r := newHashingReader(tc.src(served), sha256.New())
			got, err := tc.read(r)
			require.NoError(t, err)
			assert.Equal(t, served, append([]byte{}, got...))
			want := sha256.Sum256(served)
			assert.Equal(t, want[:], r.Sum())
			require.NoError(t, r.Close(), "Close after Sum")
		})
	}
}

// An error from src arrives after the bytes read with it, and stays.
func TestHashingReaderError(t *testing.T) {
	boom := errors.New("connection reset")
	src := io.MultiReader(bytes.NewReader([]byte("stored bytes")), iotest.ErrReader(boom))
	r := newHashingReader(src, sha256.New())
	got, err := io.ReadAll(r)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "stored bytes", string(got))
	_, err = r.Read(make([]byte, 10))
	assert.ErrorIs(t, err, boom)
	want := sha256.Sum256([]byte("stored bytes"))
	assert.Equal(t, want[:], r.Sum())
}

// Closing early (an install that failed mid-stream) stops the hasher.
func TestHashingReaderCloseEarly(t *testing.T) {
	r := newHashingReader(bytes.NewReader(make([]byte, 10<<20)), sha256.New())
	_, err := io.ReadFull(r, make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
}
