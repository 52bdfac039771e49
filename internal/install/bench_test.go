package install

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"crypto/sha256"

	"github.com/slipway-dev/slipway/internal/agent"
)

// Env names of the benchmark's helper process.
const (
	envHelper   = "SLIPWAY_INSTALL_HELPER" // a JSON agent.Install: install it to envDisk
	envDisk     = "SLIPWAY_INSTALL_DISK"
	envBenchGiB = "SLIPWAY_BENCH_GIB" // image size (default 2)
)

// TestMain runs the install helper when the benchmark re-executes the test
// binary, so the engine's peak RSS is measured in a process of its own.
func TestMain(m *testing.M) {
	if spec := os.Getenv(envHelper); spec != "" {
		os.Exit(installHelper(spec, os.Getenv(envDisk)))
	}
	os.Exit(m.Run())
}

func installHelper(spec, disk string) int {
	var in agent.Install
	if err := json.Unmarshal([]byte(spec), &in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	last := map[string]agent.Progress{}
	var mu sync.Mutex
	report := func(p agent.Progress) { mu.Lock(); last[p.Phase] = p; mu.Unlock() }
	res, err := New(Config{Progress: report}).Install(context.Background(), in, []agent.Disk{{Path: disk}})
	for _, phase := range []string{agent.PhaseDownload, agent.PhaseVerify} {
		fmt.Printf("phase %s: %.0f MB/s\n", phase, last[phase].BytesPerSec/1e6)
	}
	status, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(status)) {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Print(line)
		}
	}
	fmt.Printf("duration_ms: %d\n", res.DurationMS)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// BenchmarkInstallVsCurl installs a 2 GiB zstd image (SLIPWAY_BENCH_GIB)
// with the engine, in a subprocess whose peak RSS (VmHWM) it reports, and
// compares the time with `curl URL | zstd -d | dd of=FILE bs=4M` on the
// same file and server. Ours also hashes both streams and reads the disk
// back; the pipeline does neither.
//
//	go test -run '^$' -bench InstallVsCurl -benchtime 1x ./internal/install
func BenchmarkInstallVsCurl(b *testing.B) {
	for _, tool := range []string{"curl", "zstd", "dd"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed (apt-get install curl zstd coreutils)", tool)
		}
	}
	gib := 2
	if v := os.Getenv(envBenchGiB); v != "" {
		_, _ = fmt.Sscan(v, &gib)
	}
	dir := b.TempDir()
	raw, stored := filepath.Join(dir, "image.raw"), filepath.Join(dir, "image.raw.zst")
	rawSum := writeBenchImage(b, raw, int64(gib)<<30)
	if out, err := exec.Command("zstd", "-q", "-T0", "-3", raw, "-o", stored).CombinedOutput(); err != nil {
		b.Fatalf("zstd: %v: %s", err, out)
	}
	storedSum := fileSum(b, stored)
	st, _ := os.Stat(stored)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, stored)
	}))
	b.Cleanup(srv.Close)
	size := int64(gib) << 30
	in := agent.Install{Image: "bench", URL: srv.URL, Format: "raw.zst", SHA256: storedSum, Size: st.Size(),
		RawSHA256: rawSum, RawSize: size}
	spec, _ := json.Marshal(in)
	for b.Loop() {
		disk := filepath.Join(dir, "disk-ours")
		mustTruncate(b, disk, Needed(size))
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), envHelper+"="+string(spec), envDisk+"="+disk)
		start := time.Now()
		out, err := cmd.Output()
		ours := time.Since(start)
		if err != nil {
			b.Fatalf("install helper: %v: %s", err, out)
		}
		os.Remove(disk)

		peerDisk := filepath.Join(dir, "disk-peer")
		mustTruncate(b, peerDisk, Needed(size))
		start = time.Now()
		pipe := fmt.Sprintf("curl -sf %s | zstd -dq | dd of=%s bs=4M conv=notrunc,fsync status=none", srv.URL, peerDisk)
		if out, err := exec.Command("sh", "-c", pipe).CombinedOutput(); err != nil {
			b.Fatalf("peer: %v: %s", err, out)
		}
		peer := time.Since(start)
		os.Remove(peerDisk)

		mb := float64(size) / 1e6
		b.ReportMetric(mb/ours.Seconds(), "ours-MB/s")
		b.ReportMetric(mb/peer.Seconds(), "curl|zstd|dd-MB/s")
		fmt.Printf("install %d GiB zstd image: slipway engine %.1f s (%.0f MB/s, incl. sha256 x2 + read-back verify) | curl|zstd -d|dd %.1f s (%.0f MB/s)\n",
			gib, ours.Seconds(), mb/ours.Seconds(), peer.Seconds(), mb/peer.Seconds())
		fmt.Printf("slipway engine process: %s", out)
	}
}

// writeBenchImage writes size bytes, half random and half zero runs (about
// 2:1 with zstd -3, like an OS image), and returns their sha256.
func writeBenchImage(b *testing.B, path string, size int64) string {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 4<<20)
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
		_, _ = io.MultiWriter(w, h).Write(block)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileSum(b *testing.B, path string) string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func mustTruncate(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		b.Fatal(err)
	}
}
