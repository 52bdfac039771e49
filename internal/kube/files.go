package kube

import (
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
)

// File is one rendered file. Its content may be a private key or a token, so
// it never formats or logs its bytes: %v, %#v and slog show its size and mode.
type File struct {
	Data []byte
	Mode fs.FileMode
}

// Secret file modes: keys, kubeconfigs and tokens are 0600, the rest 0644
// (0755 for a script).
const (
	modePublic  fs.FileMode = 0o644
	modePrivate fs.FileMode = 0o600
	modeExec    fs.FileMode = 0o755
)

// String describes the file without its content.
func (f File) String() string { return fmt.Sprintf("<%d bytes, %v>", len(f.Data), f.Mode) }

// GoString is String, so %#v does not dump the bytes either.
func (f File) GoString() string { return f.String() }

// LogValue logs the size and mode only.
func (f File) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("bytes", len(f.Data)), slog.String("mode", f.Mode.String()))
}

// FileSet is a set of absolute paths on a node and their contents.
type FileSet map[string]File

// Paths returns the paths in lexical order.
func (s FileSet) Paths() []string { return slices.Sorted(maps.Keys(s)) }

// LogValue logs the paths only.
func (s FileSet) LogValue() slog.Value { return slog.AnyValue(s.Paths()) }

// String lists the paths and sizes, never the contents.
func (s FileSet) String() string {
	out := "FileSet{"
	for i, p := range s.Paths() {
		if i > 0 {
			out += ", "
		}
		out += p + ":" + s[p].String()
	}
	return out + "}"
}

// GoString is String.
func (s FileSet) GoString() string { return s.String() }

// Merge copies every file of other into s; a path present in both with
// different content is an error (two renderers claiming one file).
func (s FileSet) Merge(other FileSet) error {
	for p, f := range other {
		if old, ok := s[p]; ok && (string(old.Data) != string(f.Data) || old.Mode != f.Mode) {
			return fmt.Errorf("file %s rendered twice with different content", p)
		}
		s[p] = f
	}
	return nil
}

func (s FileSet) add(path string, data []byte, mode fs.FileMode) {
	s[path] = File{Data: data, Mode: mode}
}
