package browser

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/appliance"
	"github.com/slipway-dev/slipway/internal/image"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/secret"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/ui"
)

// uploadBytes is the test image's size: more than the API server's body
// limit of this stack, so the upload route's own limit is what lets it in.
const uploadBytes = 24 << 20

// startUploadStack is the API server with the UI mounted and a real image
// catalogue wired to both (as the appliance wires them), behind HTTPS.
func startUploadStack(t *testing.T) (*rack, *store.DB) {
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite,
		Path: filepath.Join(t.TempDir(), "slipway.db")}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	kr, err := secret.New(make([]byte, 32))
	require.NoError(t, err)
	cat, err := image.New(image.Config{Dir: t.TempDir(), MaxBytes: 1 << 30}, db, nil)
	require.NoError(t, err)
	srv, err := server.New(server.Config{MaxBodyBytes: 1 << 20}, server.Deps{DB: db, Sealer: kr},
		server.WithImages(server.ImageUploads{Images: cat, MaxBytes: 1 << 30}))
	require.NoError(t, err)
	u, err := ui.New(db, nil, ui.WithImages(ui.ImageUploads{Images: cat, MaxBytes: 1 << 30}))
	require.NoError(t, err)
	srv.Mount(u)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = u.Run(ctx) }()
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(func() { cancel(); ts.Close(); <-done })
	cert, err := x509.ParseCertificate(ts.TLS.Certificates[0].Certificate[0])
	require.NoError(t, err)
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	for _, role := range []string{"viewer", "operator"} {
		usr, err := ui.NewUser(role, role, password, "test")
		require.NoError(t, err)
		require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error { return tx.PutUser(&usr) }))
	}
	return &rack{t: t, info: appliance.Info{URL: ts.URL}, spkiB64: base64.StdEncoding.EncodeToString(spki[:])}, db
}

// TestImageUpload uploads an image file through the Images page in
// chromium: the progress bar reaches 100 % with a rate in MB/s, and the
// row turns from pending to ready without a reload.
func TestImageUpload(t *testing.T) {
	chromiumPath(t)
	r, db := startUploadStack(t)
	content := make([]byte, uploadBytes)
	for i := range content {
		content[i] = byte(i * 7 % 251)
	}
	file := filepath.Join(t.TempDir(), "disk.raw")
	require.NoError(t, os.WriteFile(file, content, 0o644))
	sum := sha256.Sum256(content)
	_, err := inventory.Apply(t.Context(), db, []inventory.File{{Name: "images.yaml", Content: "apiVersion: slipway.dev/v1alpha1\n" +
		"kind: Image\nmetadata: {name: disk}\nspec: {file: /srv/disk.raw, format: raw, sha256: " + hex.EncodeToString(sum[:]) + "}\n"}},
		inventory.ApplyOptions{Actor: "system"})
	require.NoError(t, err)

	br := newBrowser(t, r)
	op := br.tab()
	br.signIn(op, "operator")
	br.run(t, op, "open images", chromedp.Navigate(r.info.URL+"/images"), waitFor(`#img-disk .badge.st-pending`),
		chromedp.Evaluate(`window.__noReload = 1`, nil))
	br.shot(t, op, "20-images-before-upload")
	// Record what the bar and the status line show while the upload runs
	// (the row is replaced once the server answers).
	br.run(t, op, "watch the upload", chromedp.Evaluate(`(() => {
		window.__maxPct = 0; window.__texts = [];
		const box = document.querySelector('#img-disk [data-upload]');
		new MutationObserver(() => {
			window.__maxPct = Math.max(window.__maxPct, Number(box.querySelector('progress').value));
			window.__texts.push(box.querySelector('.up-status').textContent);
		}).observe(box, {attributes: true, childList: true, characterData: true, subtree: true});
		return true; })()`, nil),
		chromedp.SetUploadFiles(`#file-disk`, []string{file}, chromedp.ByQuery),
		click(`#img-disk [data-upload-start]`))
	br.run(t, op, "row turns ready", waitFor(`#img-disk .badge.st-ready`))
	assertNoReload(t, br, op)
	var maxPct int
	var texts []string
	br.run(t, op, "read what was shown", chromedp.Evaluate(`window.__maxPct`, &maxPct), chromedp.Evaluate(`window.__texts`, &texts))
	assert.Equal(t, 100, maxPct, "the progress bar reached 100 %")
	assert.Condition(t, func() bool {
		for _, s := range texts {
			if strings.Contains(s, "%") && strings.Contains(s, "MB/s") {
				return true
			}
		}
		return false
	}, "the status showed percent and MB/s: %q", texts)
	t.Logf("upload status as shown: %q", texts)
	var note string
	br.run(t, op, "uploaded note", chromedp.Text(`#img-disk .up-status`, &note, chromedp.ByQuery))
	assert.Contains(t, note, "Uploaded 25.2 MB")
	br.shot(t, op, "21-images-uploaded")

	t.Run("viewer has no upload control", func(t *testing.T) {
		vb := newBrowser(t, r)
		v := vb.tab()
		vb.signIn(v, "viewer")
		var n int
		vb.run(t, v, "images", chromedp.Navigate(r.info.URL+"/images"), waitFor(`#img-disk`),
			chromedp.Evaluate(`document.querySelectorAll('[data-upload], input[type=file]').length`, &n))
		assert.Zero(t, n)
	})
}
