package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// imageConfig reads the archive's one image: its config and its layer's files.
func imageConfig(t *testing.T, archive []byte) (map[string]any, map[string]*tarEntry) {
	t.Helper()
	files := untar(t, archive)
	var index struct{ Manifests []descriptor }
	require.NoError(t, json.Unmarshal(files["index.json"].data, &index))
	require.Len(t, index.Manifests, 1)
	var manifest struct {
		Config descriptor
		Layers []descriptor
	}
	require.NoError(t, json.Unmarshal(blob(t, files, index.Manifests[0]), &manifest))
	var config struct{ Config map[string]any }
	require.NoError(t, json.Unmarshal(blob(t, files, manifest.Config), &config))
	require.Len(t, manifest.Layers, 1)
	zr, err := gzip.NewReader(bytes.NewReader(blob(t, files, manifest.Layers[0])))
	require.NoError(t, err)
	layer, err := io.ReadAll(zr)
	require.NoError(t, err)
	return config.Config, untar(t, layer)
}

func TestArchiveNames(t *testing.T) {
	assert.Equal(t, "pause-3.10.tar", pauseImage("x").archiveName())
	assert.Equal(t, "probe-v1.tar", probeImage("x").archiveName())
	assert.Equal(t, "slipway.dev/probe:v1", probeRef, "the ref images/README.md and internal/kube name")
}

// TestBuildProbeImage builds the probe image from ./probe (a real go build),
// checks what its config runs, keeps it on a second run and rebuilds it
// once its source is newer.
func TestBuildProbeImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the probe command")
	}
	root := t.TempDir()
	b := builder{root: root, goBin: "go", log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	out, err := b.buildProbe(ctx, "./probe")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(root, "kube", "images", "probe-v1.tar"), out)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	sum, _, err := digest(out)
	require.NoError(t, err)
	side, err := os.ReadFile(out + ".sha256")
	require.NoError(t, err)
	assert.Equal(t, sum+"  probe-v1.tar\n", string(side))

	config, layer := imageConfig(t, data)
	assert.Equal(t, []any{"/probe"}, config["Entrypoint"])
	assert.Equal(t, []any{"serve", "-listen", ":8080"}, config["Cmd"])
	assert.Equal(t, "65534:65534", config["User"])
	require.Contains(t, layer, "probe")
	assert.Equal(t, "\x7fELF", string(layer["probe"].data[:4]), "/probe is the built command")

	later := time.Now().Add(time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(out, later, later))
	_, err = b.buildProbe(ctx, "./probe")
	require.NoError(t, err)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.True(t, st.ModTime().Equal(later), "an up-to-date archive is kept")

	src := t.TempDir()
	require.NoError(t, os.CopyFS(src, os.DirFS("probe")))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(out, old, old))
	assert.False(t, b.upToDate(out, src), "a source newer than the archive rebuilds it")
	require.NoError(t, os.WriteFile(out, []byte("torn"), 0o644))
	assert.False(t, b.upToDate(out, "./probe"), "an archive that does not match its .sha256 is rebuilt")
}
