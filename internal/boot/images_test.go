package boot

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeImages resolves the names it holds (the ready images).
type fakeImages map[string]string

func (f fakeImages) ImageFile(_ context.Context, name string) (string, bool) {
	file, ok := f[name]
	return file, ok
}

// With a resolver, /images/<name> sends only a ready image's content file:
// a file of that name in the images dir, a pending image's temporary file
// or the content path itself are 404.
func TestImagesOnlyReadyServed(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, os.Mkdir(filepath.Join(f.images, "sha256"), 0o755))
	writeFile(t, filepath.Join(f.images, "sha256", "aa"), 4096)
	writeFile(t, filepath.Join(f.images, "sha256", ".tmp-123"), 4096)
	f.srv.resolver = fakeImages{"edge-os": "sha256/aa", "gone": "sha256/missing"}

	rec := f.get(t, "/images/edge-os", "198.18.0.12")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, 4096, rec.Body.Len())
	for _, p := range []string{"/images/edge-os-1.4.raw", "/images/pending", "/images/gone",
		"/images/sha256/aa", "/images/sha256/.tmp-123", "/images/"} {
		assert.Equal(t, http.StatusNotFound, f.get(t, p, "198.18.0.12").Code, p)
	}
}
