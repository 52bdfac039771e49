package image

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

func TestImportFromFile(t *testing.T) {
	f := newFixture(t, nil)
	b := rawContent(1 << 20)
	f.declare(t, "edge-os", inventory.ImageSpec{File: f.writeSource(t, "edge.raw", b), Format: "raw", SHA256: sum(b)})
	require.NoError(t, f.cat.Sync(t.Context()))
	f.requireReady(t, "edge-os", b)
	assert.Equal(t, []string{sum(b)}, f.contentFiles(t))
	evs := f.events(t, "image.ready")
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Message, "edge-os")

	// A second sync leaves a ready image alone (no new event).
	require.NoError(t, f.cat.Sync(t.Context()))
	assert.Len(t, f.events(t, "image.ready"), 1)
}

// server serves path → content and counts requests per path.
func server(t *testing.T, files map[string][]byte) (*httptest.Server, map[string]*atomic.Int64) {
	t.Helper()
	hits := map[string]*atomic.Int64{}
	for p := range files {
		hits[p] = &atomic.Int64{}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		hits[r.URL.Path].Add(1)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestImportFromHTTP(t *testing.T) {
	f := newFixture(t, nil)
	gz := gzipped(t, rawContent(256<<10))
	srv, hits := server(t, map[string][]byte{"/edge.raw.gz": gz})
	f.declare(t, "edge-os", inventory.ImageSpec{URL: srv.URL + "/edge.raw.gz", Format: "raw.gz", SHA256: sum(gz)})
	f.declare(t, "missing", inventory.ImageSpec{URL: srv.URL + "/nope.raw", Format: "raw", SHA256: sum([]byte("other"))})
	require.NoError(t, f.cat.Sync(t.Context()))
	f.requireReady(t, "edge-os", gz)
	assert.Equal(t, int64(1), hits["/edge.raw.gz"].Load())

	st := f.status(t, "missing")
	assert.Equal(t, store.ImageFailed, st.Status)
	assert.Contains(t, st.Reason, "HTTP 404")
	_, ok := f.cat.ImageFile(t.Context(), "missing")
	assert.False(t, ok)
	assert.Len(t, f.events(t, "image.failed"), 1)
}

func TestUpload(t *testing.T) {
	f := newFixture(t, nil)
	b := rawContent(300_000)
	// The URL is unreachable: the content comes by upload.
	f.declare(t, "air-gapped", inventory.ImageSpec{URL: "http://127.0.0.1:1/x.raw", Format: "raw", SHA256: sum(b)})
	st, err := f.cat.Upload(t.Context(), "air-gapped", bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, store.ImageReady, st.Status)
	f.requireReady(t, "air-gapped", b)
	// Sync finds it ready: the unreachable URL is not tried.
	require.NoError(t, f.cat.Sync(t.Context()))
	f.requireReady(t, "air-gapped", b)

	_, err = f.cat.Upload(t.Context(), "undeclared", bytes.NewReader(b))
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestRefused(t *testing.T) {
	b := rawContent(64 << 10)
	gz := gzipped(t, b)
	other := rawContent(1000)
	for _, tc := range []struct {
		name, format, sha string
		content           []byte
		want              []string
	}{
		{"mismatch", "raw", sum(other), b, []string{"img: sha256 mismatch", "declared " + sum(other), "content has " + sum(b)}},
		{"format", "qcow2", sum(b), b, []string{`format "qcow2" is not supported`, "raw, raw.zst, raw.gz, raw.xz"}},
		{"zst-magic", "raw.zst", sum(b), b, []string{"declared format raw.zst", "zstd magic"}},
		{"xz-magic", "raw.xz", sum(gz), gz, []string{"declared format raw.xz", "xz magic"}},
		{"raw-but-gzip", "raw", sum(gz), gz, []string{"gzip-compressed (declare raw.gz)"}},
		{"bad-sha", "raw", "ABC", b, []string{"not 64 lower case hex"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.declare(t, "img", inventory.ImageSpec{File: f.writeSource(t, "img", tc.content), Format: tc.format, SHA256: tc.sha})
			require.NoError(t, f.cat.Sync(t.Context()))
			st := f.status(t, "img")
			assert.Equal(t, store.ImageFailed, st.Status)
			for _, w := range tc.want {
				assert.Contains(t, st.Reason, w)
			}
			f.requireNotServed(t, "img")
			evs := f.events(t, "image.failed")
			require.Len(t, evs, 1)
			assert.Equal(t, "refused", evs[0].Reason)
		})
	}
}

func TestTooLarge(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxBytes = 1000 })
	b := rawContent(1001)
	_, err := f.cat.Import(t.Context(), "big", inventory.ImageSpec{File: f.writeSource(t, "big", b), Format: "raw", SHA256: sum(b)})
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "larger than the limit of 1000 bytes")
	f.requireNotServed(t, "big")
}

// A declared signature is checked before the image is fetched: a bad one
// means the image is never read, a good one makes it ready.
func TestSignature(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	otherPub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	b := rawContent(100_000)
	digest := func(s string) []byte { d, _ := hexDecode(s); return d }
	good := ed25519.Sign(priv, digest(sum(b)))
	bad := ed25519.Sign(priv, digest(sum(rawContent(5))))
	srv, hits := server(t, map[string][]byte{"/img.raw": b, "/good.sig": good, "/bad.sig": bad, "/img.raw.sig": good})
	keys := map[string]ed25519.PublicKey{"release": pub, "other": otherPub}

	for _, tc := range []struct {
		name string
		sig  inventory.Signature
		want string // "" : ready
	}{
		{"good", inventory.Signature{URL: srv.URL + "/good.sig", KeyRef: "release"}, ""},
		{"default-url", inventory.Signature{KeyRef: "release", Type: "ed25519"}, ""},
		{"bad", inventory.Signature{URL: srv.URL + "/bad.sig", KeyRef: "release"}, "signature does not verify"},
		{"wrong-key", inventory.Signature{URL: srv.URL + "/good.sig", KeyRef: "other"}, "signature does not verify"},
		{"unknown-key", inventory.Signature{URL: srv.URL + "/good.sig", KeyRef: "nope"}, `keyRef "nope" is not a key`},
		{"minisign", inventory.Signature{URL: srv.URL + "/good.sig", KeyRef: "release", Type: "minisign"}, "not supported"},
		{"missing-sig", inventory.Signature{URL: srv.URL + "/none.sig", KeyRef: "release"}, "HTTP 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.Keys = keys })
			before := hits["/img.raw"].Load()
			sig := tc.sig
			f.declare(t, "img", inventory.ImageSpec{URL: srv.URL + "/img.raw", Format: "raw", SHA256: sum(b), Signature: &sig})
			require.NoError(t, f.cat.Sync(t.Context()))
			if tc.want == "" {
				f.requireReady(t, "img", b)
				return
			}
			st := f.status(t, "img")
			assert.Equal(t, store.ImageFailed, st.Status)
			assert.Contains(t, st.Reason, tc.want)
			assert.Equal(t, before, hits["/img.raw"].Load(), "the image is not fetched")
			f.requireNotServed(t, "img")
		})
	}
}

// The name is served only once the verified content was renamed into
// place: while the content streams in, the image is pending, a temporary
// file exists and neither the name nor the content path resolves.
func TestServedOnlyAfterRename(t *testing.T) {
	f := newFixture(t, nil)
	b := rawContent(1 << 20)
	f.declare(t, "img", inventory.ImageSpec{URL: "http://127.0.0.1:1/x", Format: "raw", SHA256: sum(b)})
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := f.cat.Upload(t.Context(), "img", pr)
		done <- err
	}()
	_, err := pw.Write(b[:len(b)/2])
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.status(t, "img").Status == store.ImagePending }, 5*time.Second, 10*time.Millisecond)
	files := f.contentFiles(t)
	require.Len(t, files, 1)
	assert.True(t, strings.HasPrefix(files[0], tempPrefix), files[0])
	_, ok := f.cat.ImageFile(t.Context(), "img")
	assert.False(t, ok)
	_, err = os.Lstat(filepath.Join(f.dir, "img"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	_, err = pw.Write(b[len(b)/2:])
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	require.NoError(t, <-done)
	f.requireReady(t, "img", b)
	assert.Equal(t, []string{sum(b)}, f.contentFiles(t))
}

// A temporary file left by a killed import is removed at start.
func TestStaleTempsRemoved(t *testing.T) {
	f := newFixture(t, nil)
	stale := filepath.Join(f.dir, ContentDir, tempPrefix+"123")
	require.NoError(t, os.WriteFile(stale, []byte("partial"), 0o600))
	_, err := New(Config{Dir: f.dir}, f.db, nil)
	require.NoError(t, err)
	_, err = os.Stat(stale)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// Run imports at start and when the inventory changes; an image no longer
// declared is forgotten.
func TestRun(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PollInterval = 10 * time.Millisecond })
	a, b := rawContent(1000), rawContent(2000)
	f.declare(t, "a", inventory.ImageSpec{File: f.writeSource(t, "a", a), Format: "raw", SHA256: sum(a)})
	ctx, cancel := contextWithCancel(t)
	done := make(chan error, 1)
	go func() { done <- f.cat.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	require.Eventually(t, func() bool { return f.hasStatus(t, "a", store.ImageReady) }, 5*time.Second, 10*time.Millisecond)

	f.declare(t, "b", inventory.ImageSpec{File: f.writeSource(t, "b", b), Format: "raw", SHA256: sum(b)})
	require.Eventually(t, func() bool { return f.hasStatus(t, "b", store.ImageReady) }, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.DeleteObject(string(inventory.KindImage), "a", 0)
	}))
	require.Eventually(t, func() bool {
		_, ok := f.cat.ImageFile(t.Context(), "a")
		return !ok
	}, 5*time.Second, 10*time.Millisecond)
	_, err := os.Lstat(filepath.Join(f.dir, "a"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// A wrong push of an image that is ready is refused and leaves it ready.
func TestWrongPushOfReadyImage(t *testing.T) {
	f := newFixture(t, nil)
	b := rawContent(5000)
	f.declare(t, "img", inventory.ImageSpec{File: f.writeSource(t, "img", b), Format: "raw", SHA256: sum(b)})
	require.NoError(t, f.cat.Sync(t.Context()))
	_, err := f.cat.Upload(t.Context(), "img", bytes.NewReader(rawContent(10)))
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "sha256 mismatch")
	f.requireReady(t, "img", b)
	st, err := f.cat.Upload(t.Context(), "img", bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, store.ImageReady, st.Status)
	assert.Equal(t, []string{sum(b)}, f.contentFiles(t))
}

// When the declaration changes to content that fails, the image is no
// longer served (its name link goes too), though its old content was fine.
func TestChangedDeclarationFails(t *testing.T) {
	f := newFixture(t, nil)
	b := rawContent(5000)
	path := f.writeSource(t, "img", b)
	f.declare(t, "img", inventory.ImageSpec{File: path, Format: "raw", SHA256: sum(b)})
	require.NoError(t, f.cat.Sync(t.Context()))
	f.requireReady(t, "img", b)
	f.declare(t, "img", inventory.ImageSpec{File: path, Format: "raw", SHA256: sum([]byte("v2"))})
	require.NoError(t, f.cat.Sync(t.Context()))
	assert.Equal(t, store.ImageFailed, f.status(t, "img").Status)
	_, ok := f.cat.ImageFile(t.Context(), "img")
	assert.False(t, ok)
	_, err := os.Lstat(filepath.Join(f.dir, "img"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// A wrong format is refused from the first bytes, before the rest is read.
func TestWrongFormatFailsFast(t *testing.T) {
	f := newFixture(t, nil)
	f.declare(t, "img", inventory.ImageSpec{URL: "http://127.0.0.1:1/x", Format: "raw.zst", SHA256: sum([]byte("x"))})
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.Close() })
	go func() { _, _ = pw.Write(rawContent(headBytes)) }() // and never more
	_, err := f.cat.Upload(t.Context(), "img", pr)
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "zstd magic")
	f.requireNotServed(t, "img")
}
