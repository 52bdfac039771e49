package ui_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// TestImagesShowCatalogueStatus: the Images page shows each image's import
// status, why a failed one failed, and a ready one's size.
func TestImagesShowCatalogueStatus(t *testing.T) {
	h := newHarness(t)
	h.apply(`apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: good}
spec: {file: /srv/good.raw, format: raw, sha256: abababababababababababababababababababababababababababababababab}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: bad}
spec: {file: /srv/bad.raw, format: raw, sha256: cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd}
`)
	require.NoError(t, h.db.Update(t.Context(), func(tx *store.Tx) error {
		if err := tx.PutImageStatus(&store.ImageStatus{Name: "good", Status: "ready", Format: "raw", Size: 48_000_000}); err != nil {
			return err
		}
		return tx.PutImageStatus(&store.ImageStatus{Name: "bad", Status: "failed", Format: "raw",
			Reason: "image bad: sha256 mismatch"})
	}))
	_, body := h.signIn("viewer").get("/images")
	assert.Contains(t, body, `<span class="badge st-ready">ready</span>`)
	assert.Contains(t, body, "48 MB")
	assert.Contains(t, body, `<span class="badge st-failed">failed</span><div class="small muted">image bad: sha256 mismatch</div>`)
}
