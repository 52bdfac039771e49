package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// ociImage is a one-layer image: files at their paths, an entrypoint, and
// the reference containerd's importer names it by.
type ociImage struct {
	ref        string // e.g. registry.k8s.io/pause:3.10
	entrypoint []string
	cmd        []string // default arguments (the config's Cmd), optional
	user       string
	files      []ociFile
}

type ociFile struct {
	path string
	mode int64
	data []byte
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// epoch is every timestamp in the archive, so a rebuild is byte-identical.
var epoch = time.Unix(0, 0).UTC()

// archive returns the image as an OCI image layout in a tar (what
// `ctr images import` reads); the index names the image by ref with both
// the OCI ref.name annotation and containerd's io.containerd.image.name.
func (img ociImage) archive() ([]byte, error) {
	layerTar, err := tarOf(img.files)
	if err != nil {
		return nil, err
	}
	layer, err := gzipped(layerTar)
	if err != nil {
		return nil, err
	}
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux", "created": epoch.Format(time.RFC3339),
		"config": img.config(),
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{blobDigest(layerTar)}},
	})
	if err != nil {
		return nil, err
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: blobDigest(config), Size: int64(len(config))},
		"layers": []descriptor{{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: blobDigest(layer), Size: int64(len(layer))}},
	})
	if err != nil {
		return nil, err
	}
	_, tag := splitRef(img.ref)
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
		"manifests": []descriptor{{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: blobDigest(manifest),
			Size: int64(len(manifest)), Platform: &platform{Architecture: "amd64", OS: "linux"},
			Annotations: map[string]string{"io.containerd.image.name": img.ref, "org.opencontainers.image.ref.name": tag}}},
	})
	if err != nil {
		return nil, err
	}
	var files []ociFile
	for _, blob := range [][]byte{layer, config, manifest} {
		files = append(files, ociFile{path: "blobs/sha256/" + blobDigest(blob)[len("sha256:"):], mode: 0o644, data: blob})
	}
	files = append(files, ociFile{path: "oci-layout", mode: 0o644, data: []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		ociFile{path: "index.json", mode: 0o644, data: index})
	return tarOf(files)
}

// config is the image config's "config" object.
func (img ociImage) config() map[string]any {
	c := map[string]any{"Entrypoint": img.entrypoint, "User": img.user, "WorkingDir": "/"}
	if len(img.cmd) > 0 {
		c["Cmd"] = img.cmd
	}
	return c
}

// splitRef splits name:tag (the tag after the last colon past the last slash).
func splitRef(ref string) (name, tag string) {
	for i := len(ref) - 1; i >= 0 && ref[i] != '/'; i-- {
		if ref[i] == ':' {
			return ref[:i], ref[i+1:]
		}
	}
	return ref, "latest"
}

func tarOf(files []ociFile) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		hdr := &tar.Header{Name: f.path, Mode: f.mode, Size: int64(len(f.data)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar %s: %w", f.path, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("tar %s: %w", f.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func gzipped(data []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.ModTime = epoch
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func blobDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
