package inventory

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sha is a syntactically valid sha256.
const sha = "9f2c4e1d7b3a58c06e21f4d9a8b7c6e5d4f3a2b1c0e9d8f7a6b5c4d3e2f1a0b9"

func storeObject(k Kind, name, spec string, rev int64) store.Object {
	return store.Object{Kind: string(k), Name: name, Spec: []byte(spec), Revision: rev}
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test with -update to create it")
	require.Equal(t, string(want), got, "golden file %s differs (rerun with -update after checking)", path)
}
