package install

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Formats are the image formats the agent installs.
var Formats = []string{"raw", "raw.zst", "raw.gz", "raw.xz"}

// zstdMaxWindow bounds the zstd window the decoder accepts (zstd -19 uses
// 8 MiB; --long=27 128 MiB would not fit the agent's memory budget).
const zstdMaxWindow = 32 << 20

// CheckFormat refuses a format the agent cannot decompress.
func CheckFormat(format string) error {
	for _, f := range Formats {
		if f == format {
			return nil
		}
	}
	return fmt.Errorf("format %q is not supported (want one of %s)", format, strings.Join(Formats, ", "))
}

// decompressor returns the raw bytes of the stored stream r of format.
func decompressor(format string, r io.Reader) (io.ReadCloser, error) {
	switch format {
	case "raw":
		return io.NopCloser(r), nil
	case "raw.zst":
		d, err := zstd.NewReader(r,
			zstd.WithDecoderConcurrency(1), // streaming: one goroutine, bounded buffers
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderMaxMemory(zstdMaxWindow)) // streaming: the window bound again
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zstdCloser{d}, nil
	case "raw.gz":
		g, err := gzip.NewReader(bufio.NewReaderSize(r, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return g, nil
	case "raw.xz":
		x, err := xz.NewReader(bufio.NewReaderSize(r, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("xz: %w", err)
		}
		return io.NopCloser(x), nil
	}
	return nil, CheckFormat(format)
}

type zstdCloser struct{ *zstd.Decoder }

func (z zstdCloser) Close() error { z.Decoder.Close(); return nil }
