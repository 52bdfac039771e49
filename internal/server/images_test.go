package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// lazyImages lets the catalogue be built on the harness's store after the server.
type lazyImages struct{ cat *image.Catalogue }

func (l *lazyImages) Upload(ctx context.Context, name string, body io.Reader) (store.ImageStatus, error) {
	return l.cat.Upload(ctx, name, body)
}

func TestImageUpload(t *testing.T) {
	const limit = 12 << 20
	imgs := &lazyImages{}
	h := newHarness(t, harnessOpts{opts: []Option{WithImages(ImageUploads{Images: imgs, MaxBytes: limit, Timeout: time.Minute})}})
	cat, err := image.New(image.Config{Dir: filepath.Join(t.TempDir(), "images"), MaxBytes: limit}, h.db, nil)
	require.NoError(t, err)
	imgs.cat = cat

	content := make([]byte, 10<<20) // over the API's default 8 MiB body limit
	content[0] = 0xeb
	digest := sha256.Sum256(content)
	spec, err := json.Marshal(inventory.ImageSpec{URL: "http://127.0.0.1:1/x.raw", Format: "raw", SHA256: hex.EncodeToString(digest[:])})
	require.NoError(t, err)
	require.NoError(t, h.db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.CreateObject(&store.Object{Kind: string(inventory.KindImage), Name: "edge-os", Spec: spec})
	}))

	var st store.ImageStatus
	r := h.do(http.MethodGet, "/api/v1/images/edge-os/status", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r.decode(t, &st)
	assert.Equal(t, store.ImagePending, st.Status)

	const path = "/api/v1/images/edge-os/content"
	assert.Equal(t, http.StatusForbidden, h.do(http.MethodPut, path, auth.Viewer, content).status)
	r = h.do(http.MethodPut, path, auth.Operator, append([]byte{1}, content[1:]...))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	assert.Contains(t, r.apiError(t).Message, "sha256 mismatch")
	assert.Equal(t, http.StatusRequestEntityTooLarge, h.do(http.MethodPut, path, auth.Operator, make([]byte, limit+1)).status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodPut, "/api/v1/images/nope/content", auth.Operator, content).status)

	r = h.do(http.MethodPut, path, auth.Operator, content)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r.decode(t, &st)
	assert.Equal(t, store.ImageReady, st.Status)
	assert.Equal(t, int64(len(content)), st.Size)

	var list api.List[store.ImageStatus]
	h.do(http.MethodGet, "/api/v1/image-status", auth.Viewer, nil).decode(t, &list)
	require.Len(t, list.Items, 1)
	assert.Equal(t, store.ImageReady, list.Items[0].Status)
	assert.Equal(t, http.StatusNotFound, h.do(http.MethodGet, "/api/v1/images/nope/status", auth.Viewer, nil).status)

	var audits []store.Audit
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) error {
		var err error
		audits, err = tx.ListAudit(store.AuditFilter{})
		return err
	}))
	var puts int
	for _, a := range audits {
		if a.Action == "PUT "+imageContentRoute {
			puts++
		}
	}
	assert.Equal(t, 5, puts, "every upload, refused ones too, is audited")
}
