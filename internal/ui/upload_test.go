package ui_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/ui"
)

// uploadLimit is the upload limit of these tests: above the API server's
// default body limit (8 MiB), which every other page keeps.
const uploadLimit = 12 << 20

// uploadHarness is the UI with a real image catalogue and one declared
// image, "disk", whose content is want.
func uploadHarness(t *testing.T, want []byte) *harness {
	h := newHarnessWith(t, func(db *store.DB) []ui.Option {
		cat, err := image.New(image.Config{Dir: t.TempDir(), MaxBytes: 1 << 30}, db, nil)
		require.NoError(t, err)
		return []ui.Option{ui.WithImages(ui.ImageUploads{Images: cat, MaxBytes: uploadLimit})}
	})
	sum := sha256.Sum256(want)
	h.apply("apiVersion: slipway.dev/v1alpha1\nkind: Image\nmetadata: {name: disk}\n" +
		"spec: {file: /srv/disk.raw, format: raw, sha256: " + hex.EncodeToString(sum[:]) + "}\n")
	return h
}

// upload posts body as the image's content, the way the page's script does.
func (c *client) upload(name string, body io.Reader, length int64, header http.Header) (*http.Response, string) {
	c.h.t.Helper()
	req, err := http.NewRequestWithContext(c.h.t.Context(), http.MethodPost, c.h.ts.URL+"/images/"+name+"/content", body)
	require.NoError(c.h.t, err)
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("HX-Request", "true")
	for k, v := range header {
		req.Header[k] = v
	}
	return c.do(req)
}

// onlyReader hides the length of a body (a chunked upload).
type onlyReader struct{ io.Reader }

func TestUploadImage(t *testing.T) {
	content := bytes.Repeat([]byte("slipway!"), (9<<20)/8) // 9 MiB: more than other pages may send
	h := uploadHarness(t, content)
	op := h.signIn("operator")

	_, page := op.get("/images")
	assert.Contains(t, page, `data-upload="/images/disk/content"`, "an operator sees the upload control")

	t.Run("refused content says why in the row", func(t *testing.T) {
		res, body := op.upload("disk", bytes.NewReader(content[:1<<20]), 1<<20, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, body)
		assert.Contains(t, body, `<tr id="img-disk"`)
		assert.Contains(t, body, "Refused: ")
		assert.Contains(t, body, "sha256")
	})
	t.Run("content is streamed into the catalogue", func(t *testing.T) {
		res, body := op.upload("disk", onlyReader{bytes.NewReader(content)}, -1, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.Contains(t, body, `<span class="badge st-ready">ready</span>`)
		assert.Contains(t, body, "9 MB")
		var st store.ImageStatus
		require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) (err error) { st, err = tx.GetImageStatus("disk"); return err }))
		assert.Equal(t, "ready", st.Status)
		assert.Equal(t, int64(len(content)), st.Size)
	})
	t.Run("over the upload limit", func(t *testing.T) {
		big := bytes.Repeat([]byte{0}, uploadLimit+1)
		res, body := op.upload("disk", bytes.NewReader(big), int64(len(big)), nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, body)
		assert.Contains(t, body, "upload limit")
		res, _ = op.upload("disk", onlyReader{bytes.NewReader(big)}, -1, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "a chunked body is cut at the limit too")
	})
	t.Run("other pages keep the small body limit", func(t *testing.T) {
		form := op.form("content", strings.Repeat("#", server.DefaultMaxBodyBytes))
		res, _ := op.post("/inventory/plan", form, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	})
	t.Run("without the CSRF header", func(t *testing.T) {
		res, _ := op.upload("disk", bytes.NewReader(content), int64(len(content)), http.Header{"X-Csrf-Token": {""}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		res, _ = op.upload("disk", bytes.NewReader(content), int64(len(content)), http.Header{"Origin": {"https://evil.example"}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	})
	t.Run("a form post is not an upload", func(t *testing.T) {
		res, _ := op.upload("disk", strings.NewReader("x"), 1, http.Header{"Content-Type": {"multipart/form-data; boundary=x"}})
		assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
	})
	t.Run("an undeclared image", func(t *testing.T) {
		res, _ := op.upload("nope", strings.NewReader("x"), 1, nil)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
	})
}

// TestViewerCannotUpload: a viewer sees no upload control, and the server
// refuses the upload anyway (and audits the refusal).
func TestViewerCannotUpload(t *testing.T) {
	content := []byte("content")
	h := uploadHarness(t, content)
	v := h.signIn("viewer")
	_, page := v.get("/images")
	assert.NotContains(t, page, "data-upload")
	assert.NotContains(t, page, `type="file"`)
	res, body := v.upload("disk", bytes.NewReader(content), int64(len(content)), nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, "needs role operator")
	var st []store.ImageStatus
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) (err error) { st, err = tx.ListImageStatus(); return err }))
	assert.Empty(t, st, "nothing was imported")
	var rows []store.Audit
	require.NoError(t, h.db.View(t.Context(), func(tx *store.Tx) (err error) {
		rows, err = tx.ListAudit(store.AuditFilter{Actor: "user:viewer"})
		return err
	}))
	require.NotEmpty(t, rows)
	assert.Equal(t, "POST /images/:name/content", rows[len(rows)-1].Action)
	assert.Equal(t, http.StatusForbidden, rows[len(rows)-1].Status)
}

// TestNoUploadWithoutCatalogue: without a catalogue there is no control and
// no route.
func TestNoUploadWithoutCatalogue(t *testing.T) {
	h := newHarness(t)
	h.apply(siteYAML(1))
	op := h.signIn("operator")
	_, page := op.get("/images")
	assert.NotContains(t, page, "data-upload")
	res, _ := op.upload("edge-os", strings.NewReader("x"), 1, nil)
	assert.NotEqual(t, http.StatusOK, res.StatusCode)
}
