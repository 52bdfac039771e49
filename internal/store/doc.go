package store

import (
	"encoding/binary"
	"errors"
	"time"
)

// Machines and objects are read in bulk (the machine list joins 10,000 of
// each), and the SQLite driver's cost is mostly per column per row: reading
// sixteen columns of 10,000 machines takes ~30 ms, one column ~5 ms. So the
// fields of a row that are not big JSON payloads are stored together in one
// "doc" column, in the compact binary form below; the key columns beside it
// (name, mac, state, revision, times) are copies kept for lookups, filters,
// revision checks and people reading the tables, written from the same
// values in the same statement.
//
// A doc is a format byte (docFormat) then the fields in a fixed order:
// strings and byte strings as a uvarint length and the bytes, integers as
// zig-zag varints, times as varint unix nanoseconds (0 for the zero time).
// New fields are only ever appended: a doc that ends early reads the missing
// fields as zero values.

// docFormat is the first byte of every doc.
const docFormat = 1

var errBadDoc = errors.New("corrupt row document")

// docWriter appends fields to a doc.
type docWriter struct{ b []byte }

func newDocWriter(size int) *docWriter {
	w := &docWriter{b: make([]byte, 0, size)}
	w.b = append(w.b, docFormat)
	return w
}

func (w *docWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *docWriter) bytes(b []byte) {
	w.b = binary.AppendUvarint(w.b, uint64(len(b)))
	w.b = append(w.b, b...)
}

func (w *docWriter) int(v int64) { w.b = binary.AppendVarint(w.b, v) }

func (w *docWriter) time(t time.Time) { w.int(toNanos(t)) }

// docReader reads fields from a doc held in one string: the strings it
// returns share that string's memory (one allocation per row). It advances
// an offset rather than reslicing, so that reading writes no pointers.
type docReader struct {
	s   string
	off int
	err error
}

func newDocReader(doc string) docReader {
	if len(doc) == 0 || doc[0] != docFormat {
		return docReader{err: errBadDoc}
	}
	return docReader{s: doc, off: 1}
}

func (r *docReader) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		if r.off >= len(r.s) {
			if shift > 0 {
				r.err = errBadDoc
			}
			return 0
		}
		c := r.s[r.off]
		r.off++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.err = errBadDoc
	return 0
}

func (r *docReader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.s)-r.off) {
		r.err = errBadDoc
		return ""
	}
	start := r.off
	r.off += int(n)
	return r.s[start:r.off]
}

func (r *docReader) int() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *docReader) time() time.Time { return fromNanos(r.int()) }
