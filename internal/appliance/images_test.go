package appliance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
)

// The catalogue imports the start-up inventory's images, an upload makes
// an image ready, and the boot server sends ready images only.
func TestImagesWired(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Netboot.Enabled = true
	cfg.Netboot.HTTPListen, cfg.Netboot.TFTPListen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Netboot.IPXEDir = fakeIPXEDir(t)
	src := t.TempDir()
	content := bytes.Repeat([]byte("slipway\x00"), 64<<10)
	digest := sha256.Sum256(content)
	sum := hex.EncodeToString(digest[:])
	require.NoError(t, os.WriteFile(filepath.Join(src, "edge.raw"), content, 0o644))
	inv := fmt.Sprintf(`apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: edge-os}
spec: {file: %s, format: raw, sha256: "%s"}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: pushed}
spec: {url: "http://127.0.0.1:1/pushed.raw", format: raw, sha256: "%s"}
---
apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: wrong}
spec: {file: %s, format: raw, sha256: "%s"}
`, filepath.Join(src, "edge.raw"), sum, sum, filepath.Join(src, "edge.raw"), strings.Repeat("0", 64))
	require.NoError(t, os.WriteFile(filepath.Join(src, "images.yaml"), []byte(inv), 0o644))
	cfg.Inventory.Paths = []string{filepath.Join(src, "images.yaml")}
	r := start(t, cfg)
	httpAddr := listening(t, r, "boot http")
	token, err := os.ReadFile(filepath.Join(cfg.DataDir, AdminTokenFile))
	require.NoError(t, err)
	c, err := api.New(r.info.URL, strings.TrimSpace(string(token)), r.info.CAPEM)
	require.NoError(t, err)

	statusOf := func(name string) string {
		st, err := c.ImageStatus(t.Context(), name)
		require.NoError(t, err)
		return st.Status
	}
	require.Eventually(t, func() bool { return statusOf("edge-os") == store.ImageReady }, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return statusOf("wrong") == store.ImageFailed }, 10*time.Second, 20*time.Millisecond)
	fetch := func(name string) (int, []byte) {
		resp, err := http.Get("http://" + httpAddr + "/images/" + name)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := fetch("edge-os")
	require.Equal(t, http.StatusOK, code)
	assert.True(t, bytes.Equal(content, body))
	code, _ = fetch("wrong")
	assert.Equal(t, http.StatusNotFound, code)

	// "pushed" has the same content as edge-os, already stored: ready
	// without a fetch. Push it anyway (idempotent) and fetch it.
	st, err := c.PushImage(t.Context(), "pushed", bytes.NewReader(content), int64(len(content)))
	require.NoError(t, err)
	assert.Equal(t, store.ImageReady, st.Status)
	code, body = fetch("pushed")
	require.Equal(t, http.StatusOK, code)
	assert.Len(t, body, len(content))

	_, err = c.PushImage(t.Context(), "wrong", bytes.NewReader(content), int64(len(content)))
	require.True(t, api.IsStatus(err, http.StatusUnprocessableEntity), "%v", err)
	assert.Contains(t, err.Error(), "sha256 mismatch")
}
