// Package kmod resolves kernel modules from a kernel's modules.dep into a
// load order (dependencies first) and reads module files, decompressing
// .ko.xz and .ko.zst so a plain finit_module/insmod can load them.
package kmod

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Index is a parsed modules.dep (and modules.builtin) of one kernel.
type Index struct {
	Dir     string              // /lib/modules/<release>
	deps    map[string][]string // module file → its dependencies' files
	fileOf  map[string]string   // normalised module name → its file
	builtin map[string]bool     // normalised names built into the kernel
}

// Name normalises a module name or file name the way modprobe does:
// "nls_iso8859-1.ko.xz" and "nls_iso8859_1" are the same module.
func Name(s string) string {
	s = filepath.Base(s)
	for _, ext := range []string{".xz", ".zst", ".gz", ".ko"} {
		s = strings.TrimSuffix(s, ext)
	}
	return strings.ReplaceAll(s, "-", "_")
}

// Open reads dir/modules.dep and dir/modules.builtin (the latter may be
// missing).
func Open(dir string) (*Index, error) {
	ix := &Index{Dir: dir, deps: map[string][]string{}, fileOf: map[string]string{}, builtin: map[string]bool{}}
	dep, err := os.ReadFile(filepath.Join(dir, "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("kmod: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(dep))
	for sc.Scan() {
		file, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		ix.deps[file] = strings.Fields(rest)
		ix.fileOf[Name(file)] = file
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("kmod: modules.dep: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(b)) {
			ix.builtin[Name(l)] = true
		}
	}
	return ix, nil
}

// Order returns the files (relative to Dir, as in modules.dep) of the
// wanted modules and everything they depend on, each once, every module
// after its dependencies. A wanted module built into the kernel needs no
// file; one that is neither a module nor built in is an error.
func (ix *Index) Order(wanted []string) ([]string, error) {
	var order []string
	seen := map[string]bool{}
	var visit func(file string)
	visit = func(file string) {
		if seen[file] {
			return
		}
		seen[file] = true
		for _, d := range ix.deps[file] {
			visit(d)
		}
		order = append(order, file)
	}
	for _, w := range wanted {
		file, ok := ix.fileOf[Name(w)]
		switch {
		case ok:
			visit(file)
		case ix.builtin[Name(w)]:
		default:
			return nil, fmt.Errorf("kmod: module %q: neither in modules.dep nor built in (%s)", w, ix.Dir)
		}
	}
	return order, nil
}

// Deps returns the direct dependencies (files) of a module file.
func (ix *Index) Deps(file string) []string { return ix.deps[file] }

// Uncompressed is file's name with a compression suffix removed.
func Uncompressed(file string) string {
	return strings.TrimSuffix(strings.TrimSuffix(file, ".xz"), ".zst")
}

// Read returns the module file's content (Dir-relative), decompressed
// with the xz or zstd program when the file is compressed.
func (ix *Index) Read(ctx context.Context, file string) ([]byte, error) {
	path := filepath.Join(ix.Dir, file)
	var tool string
	switch {
	case strings.HasSuffix(file, ".xz"):
		tool = "xz"
	case strings.HasSuffix(file, ".zst"):
		tool = "zstd"
	default:
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("kmod: %w", err)
		}
		return b, nil
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, "-dc", path)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kmod: %s -dc %s: %w: %s", tool, path, err, stderr.String())
	}
	return b, nil
}
