// Package cpio writes and reads the "newc" cpio format the Linux kernel
// unpacks as an initramfs (Documentation/driver-api/early-userspace/
// buffer-format.rst): a 110-byte ASCII header per entry, the NUL-terminated
// name and the data, each padded to 4 bytes, ending with TRAILER!!!.
package cpio

import (
	"fmt"
	"io"
	"strings"
)

// File modes (the S_IF* type bits).
const (
	ModeDir     = 0o040000
	ModeFile    = 0o100000
	ModeSymlink = 0o120000
	ModeCharDev = 0o020000
	modeType    = 0o170000
)

// Trailer names the entry that ends an archive.
const Trailer = "TRAILER!!!"

// Writer writes entries to an io.Writer; the first error sticks and is
// returned by Close.
type Writer struct {
	w   io.Writer
	ino uint32
	err error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Entry is one archive member.
type Entry struct {
	Name         string // relative path, no leading slash
	Mode         uint32 // type bits and permissions
	Data         []byte // file content or symlink target
	Major, Minor uint32 // device numbers of a device node
}

// Add writes one entry.
func (c *Writer) Add(e Entry) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := uint32(1)
	if e.Mode&modeType == ModeDir {
		nlink = 2
	}
	name := strings.TrimPrefix(e.Name, "/")
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, e.Mode, 0, 0, nlink, 0, len(e.Data), 0, 0, e.Major, e.Minor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name + "\x00"))
	c.pad(len(hdr) + len(name) + 1)
	c.write(e.Data)
	c.pad(len(e.Data))
}

func (c *Writer) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *Writer) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// Dir, File, Symlink and CharDev add one entry each.
func (c *Writer) Dir(name string) { c.Add(Entry{Name: name, Mode: ModeDir | 0o755}) }
func (c *Writer) File(name string, b []byte, perm uint32) {
	c.Add(Entry{Name: name, Mode: ModeFile | perm, Data: b})
}
func (c *Writer) Symlink(name, target string) {
	c.Add(Entry{Name: name, Mode: ModeSymlink | 0o777, Data: []byte(target)})
}
func (c *Writer) CharDev(name string, major, minor uint32) {
	c.Add(Entry{Name: name, Mode: ModeCharDev | 0o600, Major: major, Minor: minor})
}

// Close writes the trailer and returns the first error.
func (c *Writer) Close() error {
	c.Add(Entry{Name: Trailer})
	if c.err != nil {
		return fmt.Errorf("cpio: %w", c.err)
	}
	return nil
}
