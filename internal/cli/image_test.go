package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImagePush(t *testing.T) {
	ta := startAppliance(t)
	ta.login(t)
	dir := t.TempDir()
	content := []byte(strings.Repeat("tiny image\n", 10000))
	digest := sha256.Sum256(content)
	file := filepath.Join(dir, "tiny.raw")
	require.NoError(t, os.WriteFile(file, content, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wrong.raw"), []byte("not it"), 0o644))
	inv := fmt.Sprintf(`apiVersion: slipway.dev/v1alpha1
kind: Image
metadata: {name: tiny}
spec: {url: "http://127.0.0.1:1/tiny.raw", format: raw, sha256: "%s"}
`, hex.EncodeToString(digest[:]))
	site := filepath.Join(dir, "site")
	require.NoError(t, os.Mkdir(site, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(site, "image.yaml"), []byte(inv), 0o644))
	r := ta.run(t, "", "apply", "-f", site)
	require.NoError(t, r.err, r.stderr)

	r = ta.run(t, "", "image", "push", "tiny", filepath.Join(dir, "wrong.raw"))
	require.Error(t, r.err)
	assert.Contains(t, r.stderr, "sha256 mismatch")

	r = ta.run(t, "", "image", "push", "tiny", file)
	require.NoError(t, r.err, r.stderr)
	assert.Equal(t, fmt.Sprintf("image tiny ready: %d bytes, sha256 %x\n", len(content), digest), r.stdout)

	r = ta.run(t, "", "image", "status", "tiny")
	require.NoError(t, r.err, r.stderr)
	assert.Contains(t, r.stdout, "ready")
	r = ta.run(t, "", "get", "images")
	require.NoError(t, r.err, r.stderr)
	assert.Regexp(t, `tiny +raw +http://127.0.0.1:1/tiny.raw +[0-9a-f]{12} +ready +110000 `, r.stdout)

	r = ta.run(t, "", "image", "push", "nope", file)
	require.Error(t, r.err)
	assert.Contains(t, r.stderr, "not found")
}
