package install

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sync/errgroup"
)

// buffers is how many blocks are in flight between the reader (download,
// stored hash, decompression) and the writer (disk writes): with 4 MiB
// blocks the pipeline holds 12 MiB.
const buffers = 3

// writeStream copies src to f from offset 0 in blockSize writes (every
// offset but the last block's is a multiple of blockSize). Reading and
// writing run in two goroutines so decompression and disk I/O overlap. It
// fails as soon as src holds more than limit bytes. The raw bytes are not
// hashed here: the read-back (readBack) hashes them from the disk itself,
// and hashing them twice cost a third of the sha256 work, the install's
// largest CPU cost where sha256 is slow (test/bench/install).
func writeStream(ctx context.Context, src io.Reader, f *os.File, blockSize int, limit int64, m *meter) (int64, error) {
	free := make(chan []byte, buffers)
	for range buffers {
		free <- make([]byte, blockSize)
	}
	full := make(chan []byte)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(full)
		var total int64
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-ctx.Done():
				return ctx.Err()
			}
			n, err := fill(src, buf)
			total += int64(n)
			if total > limit {
				return fmt.Errorf("the image holds more than its declared raw size %d bytes", limit)
			}
			if n > 0 {
				select {
				case full <- buf[:n]:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read image: %w", err)
			}
		}
	})
	var off int64
	g.Go(func() error {
		for buf := range full {
			if _, err := f.WriteAt(buf, off); err != nil {
				return fmt.Errorf("write disk at byte %d: %w", off, err)
			}
			off += int64(len(buf))
			m.add(int64(len(buf)))
			free <- buf[:cap(buf)]
		}
		return nil
	})
	err := g.Wait()
	return off, err
}

// fill reads into buf until it is full or src ends (io.EOF, possibly with
// n > 0). Unlike io.ReadFull it keeps a reader's own io.ErrUnexpectedEOF (a
// truncated compressed stream) apart from the end of the stream.
func fill(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := src.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// readBack hashes the first size bytes of f in blockSize reads.
func readBack(ctx context.Context, f *os.File, size int64, blockSize int, m *meter) ([]byte, error) {
	buf := make([]byte, blockSize)
	h := sha256.New()
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := int(min(int64(blockSize), size-off))
		k, err := f.ReadAt(buf[:n], off)
		if k < n {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("read disk back at byte %d: %w", off+int64(k), err)
		}
		h.Write(buf[:n])
		off += int64(n)
		m.add(int64(n))
	}
	return h.Sum(nil), nil
}
