package kube

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadArtifacts(t *testing.T) {
	cache := t.TempDir()
	dir := filepath.Join(cache, "containerd", "v2.2.0")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, n := range ContainerdBinaries {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte(n), 0o755))
	}
	manifest := `{"component":"containerd","version":"v2.2.0","binaries":[
	 {"name":"containerd","sha256":"aa","size":10},{"name":"containerd-shim-runc-v2","sha256":"bb","size":23},{"name":"ctr","sha256":"cc","size":3}]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644))

	got, err := LoadArtifacts(cache, "containerd", "v2.2.0", ContainerdBinaries)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, filepath.Join(dir, "ctr"), got[2].Path)
	assert.Equal(t, "cc", got[2].SHA256)

	_, err = LoadArtifacts(cache, "kube", "v1.31.4", KubeBinaries)
	require.ErrorIs(t, err, ErrNoArtifacts)
	assert.Contains(t, err.Error(), "kube v1.31.4")

	require.NoError(t, os.Remove(filepath.Join(dir, "ctr")))
	_, err = LoadArtifacts(cache, "containerd", "v2.2.0", ContainerdBinaries)
	require.ErrorIs(t, err, ErrNoArtifacts)
	_, err = LoadArtifacts(cache, "containerd", "v2.2.0", []string{"runc"})
	require.ErrorContains(t, err, "lacks runc")
}
