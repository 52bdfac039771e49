package image

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// rawDir (below the images directory; hidden, so never served) holds, per
// content, a record of its raw (decompressed) size and sha256, so they are
// computed once per content.
const rawDir = ".raw"

// rawInfo is what an install writes to a disk: the decompressed bytes.
type rawInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// raw returns the raw size and sha256 of the stored content sum in format,
// decompressing it once (then reading the record beside it). Content that
// does not decompress is refused: a corrupt image is never ready.
func (c *Catalogue) raw(sum, format string) (rawInfo, error) {
	rec := filepath.Join(c.cfg.Dir, rawDir, sum+".json")
	if b, err := os.ReadFile(rec); err == nil {
		var ri rawInfo
		if json.Unmarshal(b, &ri) == nil && isHex256(ri.SHA256) {
			return ri, nil
		}
	}
	ri, err := decompressedInfo(c.contentPath(sum), format)
	if err != nil {
		return rawInfo{}, err
	}
	b, _ := json.Marshal(ri)
	if err := os.MkdirAll(filepath.Dir(rec), 0o755); err != nil {
		return rawInfo{}, fmt.Errorf("record raw size: %w", err)
	}
	if err := writeFileSync(rec, b); err != nil {
		return rawInfo{}, fmt.Errorf("record raw size: %w", err)
	}
	return ri, nil
}

// decompressedInfo streams the file through its decompressor and hashes
// the output (bounded memory: nothing holds the image).
func decompressedInfo(path, format string) (rawInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return rawInfo{}, err
	}
	defer f.Close()
	r, closeFn, err := Decompress(bufio.NewReaderSize(f, 1<<20), format)
	if err != nil {
		return rawInfo{}, refused("%s content: %v", format, err)
	}
	defer closeFn()
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, make([]byte, 1<<20))
	if err != nil {
		return rawInfo{}, refused("%s content does not decompress: %v", format, err)
	}
	if n == 0 {
		return rawInfo{}, refused("the image is empty once decompressed")
	}
	return rawInfo{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Decompress wraps r in the decompressor of format (raw: r itself). The
// close function releases the decoder.
func Decompress(r io.Reader, format string) (io.Reader, func(), error) {
	switch format {
	case "raw":
		return r, func() {}, nil
	case "raw.zst":
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(1<<27))
		if err != nil {
			return nil, nil, err
		}
		return d, d.Close, nil
	case "raw.gz":
		d, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return d, func() { _ = d.Close() }, nil
	case "raw.xz":
		d, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return d, func() {}, nil
	}
	return nil, nil, checkFormatName(format)
}

// writeFileSync writes b to path through a temporary file, fsynced and
// renamed, so a crash leaves the old file or the new one.
func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
