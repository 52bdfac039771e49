package cpio

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrFormat is returned (wrapped) for an archive that is not valid newc.
var ErrFormat = errors.New("cpio: not a newc archive")

const headerLen = 110

// Read parses a whole newc archive (up to the trailer) into its entries.
func Read(b []byte) ([]Entry, error) {
	var out []Entry
	for off := 0; ; {
		e, next, err := readEntry(b, off)
		if err != nil {
			return nil, err
		}
		if e.Name == Trailer {
			return out, nil
		}
		out = append(out, e)
		off = next
	}
}

func readEntry(b []byte, off int) (Entry, int, error) {
	if len(b)-off < headerLen {
		return Entry{}, 0, fmt.Errorf("%w: truncated header at offset %d", ErrFormat, off)
	}
	h := b[off : off+headerLen]
	if string(h[:6]) != "070701" {
		return Entry{}, 0, fmt.Errorf("%w: bad magic at offset %d", ErrFormat, off)
	}
	var f [13]uint32
	for i := range f {
		v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
		if err != nil {
			return Entry{}, 0, fmt.Errorf("%w: header field %d at offset %d: %w", ErrFormat, i, off, err)
		}
		f[i] = uint32(v)
	}
	size, nameLen := int(f[6]), int(f[11])
	nameEnd := off + headerLen + nameLen
	if nameLen < 1 || nameEnd > len(b) || b[nameEnd-1] != 0 {
		return Entry{}, 0, fmt.Errorf("%w: bad name at offset %d", ErrFormat, off)
	}
	dataOff := align(nameEnd)
	if size < 0 || dataOff+size > len(b) {
		return Entry{}, 0, fmt.Errorf("%w: truncated data at offset %d", ErrFormat, off)
	}
	e := Entry{Name: string(b[off+headerLen : nameEnd-1]), Mode: f[1], Data: b[dataOff : dataOff+size], Major: f[9], Minor: f[10]}
	return e, align(dataOff + size), nil
}

func align(n int) int { return (n + 3) &^ 3 }
