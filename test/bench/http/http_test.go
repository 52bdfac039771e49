// Package http benchmarks Slipway's image serving (GET /images/<file>,
// http.ServeContent over an os.Root) against nginx with sendfile from the
// same run, with wrk over loopback. Target: Slipway ≥ 0.9 × nginx.
package http

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/boot"
	"github.com/slipway-dev/slipway/internal/store"
)

const (
	fileSize    = 10 << 20
	connections = "50"
	duration    = "10s"
)

func BenchmarkImages(b *testing.B) {
	for _, tool := range []string{"wrk", "nginx"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed (Debian packages wrk, nginx; make deps)", tool)
		}
	}
	dir := b.TempDir()
	require.NoError(b, os.Chmod(dir, 0o755))
	data := make([]byte, fileSize)
	for i := range data {
		data[i] = byte(i * 31)
	}
	require.NoError(b, os.WriteFile(filepath.Join(dir, "edge-os.raw"), data, 0o644))

	ours := runWrk(b, startSlipway(b, dir))
	peer := runWrk(b, startNginx(b, dir))
	fmt.Printf("\n%-40s %12s %12s\n", fmt.Sprintf("GET /images/<10 MB file>, wrk -c%s -d%s", connections, duration), "req/s", "MB/s")
	fmt.Printf("%-40s %12.1f %12.1f\n", "slipway (net/http ServeContent)", ours.rps, ours.mbps)
	fmt.Printf("%-40s %12.1f %12.1f\n", "nginx (sendfile on)", peer.rps, peer.mbps)
	fmt.Printf("%-40s %25.2f   (target ≥ 0.9)\n", "ratio slipway / nginx", ours.mbps/peer.mbps)
}

type result struct{ rps, mbps float64 }

var (
	rpsRE  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	xferRE = regexp.MustCompile(`Transfer/sec:\s+([0-9.]+)([KMG]B)`)
)

// runWrk runs wrk against url and parses its summary.
func runWrk(b *testing.B, url string) result {
	out, err := exec.Command("wrk", "-t2", "-c"+connections, "-d"+duration, url).CombinedOutput()
	require.NoError(b, err, string(out))
	rps := rpsRE.FindSubmatch(out)
	xfer := xferRE.FindSubmatch(out)
	require.NotNil(b, rps, string(out))
	require.NotNil(b, xfer, string(out))
	r := result{}
	r.rps, _ = strconv.ParseFloat(string(rps[1]), 64)
	v, _ := strconv.ParseFloat(string(xfer[1]), 64)
	r.mbps = v * map[string]float64{"KB": 1.024e-3, "MB": 1.048576, "GB": 1073.741824}[string(xfer[2])]
	return r
}

func startSlipway(b *testing.B, dir string) string {
	db, err := store.Open(b.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(b.TempDir(), "s.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	s, err := boot.New(boot.Config{APIPort: "8443", ImagesDir: dir}, boot.Deps{DB: db, Listener: l})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	url := "http://" + l.Addr().String() + "/images/edge-os.raw"
	waitHTTP(b, url)
	return url
}

// startNginx runs nginx in the foreground with a config written here
// (sendfile on, no access log) and kills its master by PID at the end.
func startNginx(b *testing.B, dir string) string {
	prefix := b.TempDir()
	port := freePort(b)
	user := "" // as root, workers would run as nobody, who cannot enter the test's 0700 temp dirs
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`daemon off;
%[4]s
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]d;
    location /images/ { alias %[3]s/; }
  }
}
`, prefix, port, dir, user)
	path := filepath.Join(prefix, "nginx.conf")
	require.NoError(b, os.WriteFile(path, []byte(conf), 0o644))
	cmd := exec.Command("nginx", "-c", path, "-p", prefix)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(b, cmd.Start())
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // the master stops its workers
		_ = cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/images/edge-os.raw", port)
	waitHTTP(b, url)
	return url
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHTTP(b *testing.B, url string) {
	require.Eventually(b, func() bool {
		resp, err := http.Head(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)
}
