package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("site/b.yaml", "b")
	write("site/a.yml", "a")
	write("site/rack/c.yaml", "c")
	write("site/README.md", "not inventory")
	write("site/.git/config.yaml", "hidden")
	write("other/x.txt", "named explicitly")
	require.NoError(t, os.Symlink(filepath.Join(dir, "other/x.txt"), filepath.Join(dir, "site/link.yaml")))

	files, err := ReadPaths([]string{filepath.Join(dir, "site"), filepath.Join(dir, "other/x.txt"), filepath.Join(dir, "site/b.yaml")})
	require.NoError(t, err)
	var names, contents []string
	for _, f := range files {
		rel, err := filepath.Rel(dir, f.Name)
		require.NoError(t, err)
		names, contents = append(names, rel), append(contents, f.Content)
	}
	assert.Equal(t, []string{"site/a.yml", "site/b.yaml", "site/link.yaml", "site/rack/c.yaml", "other/x.txt"}, names)
	assert.Equal(t, []string{"a", "b", "named explicitly", "c", "named explicitly"}, contents)

	_, err = ReadPaths([]string{filepath.Join(dir, "missing")})
	require.ErrorContains(t, err, "read inventory: stat "+filepath.Join(dir, "missing")+": no such file or directory")
	_, err = ReadPaths([]string{filepath.Join(dir, "other")})
	require.EqualError(t, err, "read inventory "+filepath.Join(dir, "other")+": no .yaml or .yml files in the directory")
	_, err = ReadPaths(nil)
	require.EqualError(t, err, "no inventory files given")
}
