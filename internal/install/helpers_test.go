package install

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"github.com/ulikunitz/xz"

	"github.com/slipway-dev/slipway/internal/agent"
)

// testImage is a raw disk image with an MBR and one Linux partition; its
// content is half random, half runs of zeros (so it compresses).
func testImage(t testing.TB, size int) []byte {
	t.Helper()
	img := make([]byte, size)
	rng := rand.New(rand.NewPCG(1, uint64(size)))
	for off := 4096; off < size; off += 8192 {
		for i := off; i < min(off+4096, size); i++ {
			img[i] = byte(rng.Uint32())
		}
	}
	clear(img[:512])
	e := img[446:462]
	e[4] = 0x83
	binary.LittleEndian.PutUint32(e[8:], 8)
	binary.LittleEndian.PutUint32(e[12:], uint32(size/512-8))
	img[510], img[511] = 0x55, 0xaa
	return img
}

func compress(t testing.TB, format string, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	switch format {
	case "raw":
		return raw
	case "raw.zst":
		w, err := zstd.NewWriter(&b)
		require.NoError(t, err)
		_, err = w.Write(raw)
		require.NoError(t, err)
		require.NoError(t, w.Close())
	case "raw.gz":
		w := gzip.NewWriter(&b)
		_, err := w.Write(raw)
		require.NoError(t, err)
		require.NoError(t, w.Close())
	case "raw.xz":
		w, err := xz.NewWriter(&b)
		require.NoError(t, err)
		_, err = w.Write(raw)
		require.NoError(t, err)
		require.NoError(t, w.Close())
	default:
		t.Fatalf("format %s", format)
	}
	return b.Bytes()
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// imageServer serves content with Range support (http.ServeContent). The
// first cuts answers drop the connection after cutAfter body bytes.
type imageServer struct {
	*httptest.Server
	content     []byte
	cutAfter    int64
	cuts        atomic.Int32
	requests    atomic.Int32
	ignoreRange bool
}

func newImageServer(t testing.TB, content []byte) *imageServer {
	s := &imageServer{content: content}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if s.ignoreRange {
			r.Header.Del("Range")
		}
		if s.cuts.Add(-1) >= 0 {
			w = &cutWriter{ResponseWriter: w, left: s.cutAfter}
		}
		http.ServeContent(w, r, "image", time.Time{}, bytes.NewReader(s.content))
	}))
	t.Cleanup(s.Close)
	return s
}

// cutWriter aborts the response (the connection is closed) after left bytes.
type cutWriter struct {
	http.ResponseWriter
	left int64
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		_, _ = c.ResponseWriter.Write(p[:c.left])
		c.left = 0
		c.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	c.left -= int64(len(p))
	return c.ResponseWriter.Write(p)
}

// testDisk is a file of size bytes filled with 0x5a, as a disk.
func testDisk(t testing.TB, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "disk.img")
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte{0x5a}, int(size)), 0o600))
	return path
}

func task(url, format string, stored, raw []byte) agent.Install {
	return agent.Install{
		Image: "edge-os", URL: url, Format: format,
		SHA256: sum(stored), Size: int64(len(stored)), RawSHA256: sum(raw), RawSize: int64(len(raw)),
		Seed: &agent.Seed{MetaData: "instance-id: r1-u07\nlocal-hostname: r1-u07\n", UserData: "#cloud-config\n"},
	}
}

// progressLog records the reports.
type progressLog struct {
	mu  sync.Mutex
	all []agent.Progress
}

func (p *progressLog) add(r agent.Progress) { p.mu.Lock(); p.all = append(p.all, r); p.mu.Unlock() }

func (p *progressLog) last(phase string) (agent.Progress, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.all) - 1; i >= 0; i-- {
		if p.all[i].Phase == phase {
			return p.all[i], true
		}
	}
	return agent.Progress{}, false
}

func fastInstaller(p *progressLog, hook func(string) error) *Installer {
	cfg := Config{ProgressEvery: time.Millisecond, ResumeBackoff: time.Millisecond, MaxResumes: 3,
		BlockSize: 1 << 20, BeforeVerify: hook}
	if p != nil {
		cfg.Progress = p.add
	}
	return New(cfg)
}

// zeroEnds says whether the first and last MiB of the disk are zero.
func zeroEnds(t testing.TB, path string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	z := make([]byte, mib)
	return bytes.Equal(b[:mib], z) && bytes.Equal(b[len(b)-mib:], z)
}
