package disk

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

const copyChunk = 1 << 20

// CopyAt copies the file src into dst at offset, at most limit bytes,
// skipping all-zero chunks so dst stays sparse. It returns the bytes of
// src.
func CopyAt(dst string, offset, limit int64, src string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("disk: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return 0, fmt.Errorf("disk: %w", err)
	}
	if st.Size() > limit {
		return 0, fmt.Errorf("disk: %s: %d bytes do not fit the %d-byte partition", src, st.Size(), limit)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY, 0)
	if err != nil {
		return 0, fmt.Errorf("disk: %w", err)
	}
	buf, zero := make([]byte, copyChunk), make([]byte, copyChunk)
	var n int64
	for {
		m, rerr := io.ReadFull(in, buf)
		if m > 0 && !bytes.Equal(buf[:m], zero[:m]) {
			if _, err := out.WriteAt(buf[:m], offset+n); err != nil {
				out.Close()
				return n, fmt.Errorf("disk: %s: %w", dst, err)
			}
		}
		n += int64(m)
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			out.Close()
			return n, fmt.Errorf("disk: %s: %w", src, rerr)
		}
	}
	return n, out.Close()
}
