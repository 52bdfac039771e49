package image

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

type fixture struct {
	dir string // the images dir
	src string // where source files are written
	db  *store.DB
	cat *Catalogue
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	base := t.TempDir()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(base, "slipway.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	f := &fixture{dir: filepath.Join(base, "images"), src: filepath.Join(base, "src"), db: db}
	require.NoError(t, os.Mkdir(f.src, 0o755))
	cfg := Config{Dir: f.dir}
	if mod != nil {
		mod(&cfg)
	}
	f.cat, err = New(cfg, db, nil)
	require.NoError(t, err)
	return f
}

// rawContent is n random bytes that start with no compression magic.
func rawContent(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, uint64(n)))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[0] = 0xeb // like an MBR's jump
	return b
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeSource writes b as a source file and returns its path.
func (f *fixture) writeSource(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(f.src, name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// declare creates (or replaces) the Image object name.
func (f *fixture) declare(t *testing.T, name string, spec inventory.ImageSpec) {
	t.Helper()
	b, err := json.Marshal(spec)
	require.NoError(t, err)
	require.NoError(t, f.db.Update(t.Context(), func(tx *store.Tx) error {
		if o, err := tx.GetObject(string(inventory.KindImage), name); err == nil {
			o.Spec = b
			return tx.UpdateObject(&o, o.Revision)
		}
		return tx.CreateObject(&store.Object{Kind: string(inventory.KindImage), Name: name, Spec: b})
	}))
}

func (f *fixture) status(t *testing.T, name string) store.ImageStatus {
	t.Helper()
	var st store.ImageStatus
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) error {
		var err error
		st, err = tx.GetImageStatus(name)
		return err
	}))
	return st
}

func (f *fixture) events(t *testing.T, typ string) []store.Event {
	t.Helper()
	var evs []store.Event
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) error {
		var err error
		evs, err = tx.ListEvents(store.EventFilter{Type: typ})
		return err
	}))
	return evs
}

// contentFiles lists the files of the content directory (temporary ones included).
func (f *fixture) contentFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.dir, ContentDir))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// requireReady checks that name is ready, served and linked with content b.
func (f *fixture) requireReady(t *testing.T, name string, b []byte) {
	t.Helper()
	st := f.status(t, name)
	require.Equal(t, store.ImageReady, st.Status, st.Reason)
	require.Equal(t, sum(b), st.SHA256)
	require.Equal(t, int64(len(b)), st.Size)
	file, ok := f.cat.ImageFile(t.Context(), name)
	require.True(t, ok)
	got, err := os.ReadFile(filepath.Join(f.dir, file))
	require.NoError(t, err)
	require.True(t, bytes.Equal(b, got))
	linked, err := os.ReadFile(filepath.Join(f.dir, name))
	require.NoError(t, err)
	require.True(t, bytes.Equal(b, linked))
}

// requireNotServed checks that name is not ready and nothing of it is on disk.
func (f *fixture) requireNotServed(t *testing.T, name string) {
	t.Helper()
	_, ok := f.cat.ImageFile(t.Context(), name)
	require.False(t, ok)
	_, err := os.Lstat(filepath.Join(f.dir, name))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Empty(t, f.contentFiles(t))
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

func (f *fixture) hasStatus(t *testing.T, name, status string) bool {
	t.Helper()
	var st store.ImageStatus
	err := f.db.View(t.Context(), func(tx *store.Tx) error {
		var err error
		st, err = tx.GetImageStatus(name)
		return err
	})
	return err == nil && st.Status == status
}
