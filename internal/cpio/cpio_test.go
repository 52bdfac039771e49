package cpio

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	c := NewWriter(&buf)
	c.Dir("/bin")
	c.File("bin/x", []byte("hello"), 0o755)
	c.Symlink("bin/sh", "x")
	c.CharDev("dev/console", 5, 1)
	require.NoError(t, c.Close())
	require.Zero(t, buf.Len()%4)
	got, err := Read(buf.Bytes())
	require.NoError(t, err)
	want := []Entry{
		{Name: "bin", Mode: ModeDir | 0o755, Data: []byte{}},
		{Name: "bin/x", Mode: ModeFile | 0o755, Data: []byte("hello")},
		{Name: "bin/sh", Mode: ModeSymlink | 0o777, Data: []byte("x")},
		{Name: "dev/console", Mode: ModeCharDev | 0o600, Data: []byte{}, Major: 5, Minor: 1},
	}
	assert.Equal(t, want, got)
}

func TestReadRejects(t *testing.T) {
	var buf bytes.Buffer
	c := NewWriter(&buf)
	c.File("a", []byte("data"), 0o644)
	require.NoError(t, c.Close())
	good := buf.Bytes()
	for name, b := range map[string][]byte{
		"empty":      nil,
		"magic":      append([]byte("070702"), good[6:]...),
		"truncated":  good[:120],
		"no trailer": good[:len(good)-124],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(b)
			require.ErrorIs(t, err, ErrFormat)
		})
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	c := NewWriter(&buf)
	c.File("a", []byte("data"), 0o644)
	_ = c.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = Read(b) })
}
