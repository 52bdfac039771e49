package inventory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func readPaths(paths []string) ([]File, error) {
	if len(paths) == 0 {
		return nil, errors.New("no inventory files given")
	}
	var (
		files []File
		seen  = map[string]bool{}
	)
	for _, p := range paths {
		names, err := listPath(p)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if seen[name] {
				continue
			}
			seen[name] = true
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("read inventory: %w", err)
			}
			files = append(files, File{Name: name, Content: string(data)})
		}
	}
	return files, nil
}

// listPath returns p itself when it is a file (whatever its extension: the
// user named it), or the .yaml/.yml files under the directory p in lexical
// order, skipping hidden directories such as .git.
func listPath(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	if !info.IsDir() {
		return []string{filepath.Clean(p)}, nil
	}
	var names []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); (ext == ".yaml" || ext == ".yml") && isRegular(path, d) {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read inventory %s: %w", p, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("read inventory %s: no .yaml or .yml files in the directory", p)
	}
	return names, nil
}

// isRegular reports whether a walked entry is a regular file or a symbolic
// link to one.
func isRegular(path string, d fs.DirEntry) bool {
	if d.Type().IsRegular() {
		return true
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
