package install

import (
	"hash"
	"io"
	"sync"
)

// Chunks of the stored stream in flight between the reader and the hasher
// goroutine: hashChunks × hashChunkSize bytes (1 MiB).
const (
	hashChunks    = 4
	hashChunkSize = 256 << 10
)

// hashingReader reads src and hashes every byte it delivers, like
// io.TeeReader(src, h), but in a goroutine of its own: on a machine with
// more than one core the sha256 of the stored stream runs beside the
// decompressor instead of inside it. Each src.Read fills one of a few
// chunks, which goes both to the hasher and to the caller; the only writer
// of a chunk is Read, and only after the hasher handed it back. Read must
// not be called after Close or Sum.
type hashingReader struct {
	src  io.Reader
	h    hash.Hash
	work chan []byte // chunks to hash, in order
	free chan []byte // chunks hashed, to refill
	done chan struct{}
	once sync.Once
	cur  []byte // what the caller has not read yet of the last chunk
	err  error  // src's error, returned once cur is read
}

func newHashingReader(src io.Reader, h hash.Hash) *hashingReader {
	r := &hashingReader{src: src, h: h, work: make(chan []byte, hashChunks),
		free: make(chan []byte, hashChunks), done: make(chan struct{})}
	for range hashChunks {
		r.free <- make([]byte, hashChunkSize)
	}
	go func() {
		defer close(r.done)
		for b := range r.work {
			r.h.Write(b)
			r.free <- b[:cap(b)]
		}
	}()
	return r
}

func (r *hashingReader) Read(p []byte) (int, error) {
	if len(r.cur) == 0 {
		if r.err != nil || len(p) == 0 {
			return 0, r.err
		}
		buf := <-r.free
		n, err := r.src.Read(buf)
		r.err = err
		if n == 0 {
			r.free <- buf
			return 0, err
		}
		r.work <- buf[:n] // never blocks: there are only hashChunks chunks
		r.cur = buf[:n]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the hasher once it has hashed everything read so far.
func (r *hashingReader) Close() error {
	r.once.Do(func() { close(r.work) })
	<-r.done
	return nil
}

// Sum closes r and returns the hash of every byte read from src (all that
// Read delivered once it returned io.EOF).
func (r *hashingReader) Sum() []byte {
	_ = r.Close()
	return r.h.Sum(nil)
}
