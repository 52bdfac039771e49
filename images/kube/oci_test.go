package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func untar(t *testing.T, data []byte) map[string]*tarEntry {
	t.Helper()
	out := map[string]*tarEntry{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[hdr.Name] = &tarEntry{hdr: hdr, data: body}
	}
}

type tarEntry struct {
	hdr  *tar.Header
	data []byte
}

// blob returns the blob a descriptor names, checking its digest and size.
func blob(t *testing.T, files map[string]*tarEntry, d descriptor) []byte {
	t.Helper()
	e, ok := files["blobs/sha256/"+d.Digest[len("sha256:"):]]
	require.True(t, ok, "blob %s missing", d.Digest)
	require.Equal(t, d.Digest, blobDigest(e.data))
	require.Equal(t, d.Size, int64(len(e.data)))
	return e.data
}

func TestOCIArchive(t *testing.T) {
	img := ociImage{ref: "registry.k8s.io/pause:3.10", entrypoint: []string{"/pause"}, user: "65535:65535",
		files: []ociFile{{path: "pause", mode: 0o755, data: []byte("\x7fELF fake")}}}
	data, err := img.archive()
	require.NoError(t, err)
	again, err := img.archive()
	require.NoError(t, err)
	assert.Equal(t, data, again, "the archive is reproducible")

	files := untar(t, data)
	assert.JSONEq(t, `{"imageLayoutVersion":"1.0.0"}`, string(files["oci-layout"].data))
	var index struct{ Manifests []descriptor }
	require.NoError(t, json.Unmarshal(files["index.json"].data, &index))
	require.Len(t, index.Manifests, 1)
	assert.Equal(t, "registry.k8s.io/pause:3.10", index.Manifests[0].Annotations["io.containerd.image.name"])
	assert.Equal(t, "3.10", index.Manifests[0].Annotations["org.opencontainers.image.ref.name"])

	var manifest struct {
		Config descriptor
		Layers []descriptor
	}
	require.NoError(t, json.Unmarshal(blob(t, files, index.Manifests[0]), &manifest))
	var config struct {
		Config struct{ Entrypoint []string }
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	require.NoError(t, json.Unmarshal(blob(t, files, manifest.Config), &config))
	assert.Equal(t, []string{"/pause"}, config.Config.Entrypoint)
	require.Len(t, manifest.Layers, 1)

	zr, err := gzip.NewReader(bytes.NewReader(blob(t, files, manifest.Layers[0])))
	require.NoError(t, err)
	layerTar, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, []string{blobDigest(layerTar)}, config.RootFS.DiffIDs, "diff_id is the uncompressed layer's digest")
	layer := untar(t, layerTar)
	require.Contains(t, layer, "pause")
	assert.Equal(t, int64(0o755), layer["pause"].hdr.Mode)
	assert.Equal(t, "\x7fELF fake", string(layer["pause"].data))
}

func TestOCIArchiveCmd(t *testing.T) {
	img := ociImage{ref: "slipway.dev/probe:v1", entrypoint: []string{"/probe"}, cmd: []string{"serve", "-listen", ":8080"},
		user: "65534:65534", files: []ociFile{{path: "probe", mode: 0o755, data: []byte("bin")}}}
	data, err := img.archive()
	require.NoError(t, err)
	config, layer := imageConfig(t, data)
	assert.Equal(t, []any{"serve", "-listen", ":8080"}, config["Cmd"])
	assert.Equal(t, "bin", string(layer["probe"].data))

	img.cmd = nil
	data, err = img.archive()
	require.NoError(t, err)
	config, _ = imageConfig(t, data)
	assert.NotContains(t, config, "Cmd", "no Cmd unless given")
}

func TestSplitRef(t *testing.T) {
	for ref, want := range map[string][2]string{
		"registry.k8s.io/pause:3.10": {"registry.k8s.io/pause", "3.10"},
		"localhost:5000/app":         {"localhost:5000/app", "latest"},
		"app:v1":                     {"app", "v1"},
	} {
		name, tag := splitRef(ref)
		assert.Equal(t, want, [2]string{name, tag}, ref)
	}
}
