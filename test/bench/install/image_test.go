package install

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchImage is the generated image: its raw figures and the zstd file
// the server sends.
type benchImage struct {
	Stored    string // path of the .raw.zst
	Size      int64  // bytes stored
	SHA256    string // of the stored bytes
	RawSize   int64
	RawSHA256 string
}

// makeImage writes a raw image of rawSize bytes (a multiple of 1 MiB) in
// 1 MiB blocks, each half random and half zeros (about 2:1 with zstd -3,
// like an OS image), streamed through `zstd -3 -T0` into dir; the raw
// bytes never touch the disk.
func makeImage(tb testing.TB, dir string, rawSize int64) benchImage {
	tb.Helper()
	img := benchImage{Stored: filepath.Join(dir, "image.raw.zst"), RawSize: rawSize}
	out, err := os.Create(img.Stored)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	storedSum := sha256.New()
	counter := &countWriter{}
	cmd := exec.Command("zstd", "-q", "-3", "-T0", "-c")
	cmd.Stdout = io.MultiWriter(out, storedSum, counter)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("zstd: %v", err)
	}
	rawSum, werr := writeRaw(stdin, rawSize)
	cerr := stdin.Close()
	if err := cmd.Wait(); err != nil || werr != nil || cerr != nil {
		tb.Fatalf("image: zstd %v, write %v, close %v", err, werr, cerr)
	}
	img.RawSHA256 = rawSum
	img.SHA256 = hex.EncodeToString(storedSum.Sum(nil))
	img.Size = counter.n
	return img
}

// writeRaw writes the raw image to w and returns its sha256.
func writeRaw(w io.Writer, size int64) (string, error) {
	h := sha256.New()
	rng := rand.New(rand.NewPCG(7, 7))
	block := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(block)) {
		for i := 0; i < len(block)/2; i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				block[i+j] = byte(v >> (8 * j))
			}
		}
		h.Write(block)
		if _, err := w.Write(block); err != nil {
			return "", fmt.Errorf("raw image at byte %d: %w", off, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }
