package appliance

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeIPXEDir holds stand-ins for Debian's boot binaries.
func fakeIPXEDir(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"undionly.kpxe", "ipxe.efi", "snponly.efi"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("binary "+name), 0o644))
	}
	return dir
}

// listening finds the address a component logged ("tftp listening addr=...").
func listening(t *testing.T, r *running, what string) string {
	re := regexp.MustCompile(`msg="` + what + ` listening"[^\n]* addr=(\S+)`)
	var addr string
	require.Eventually(t, func() bool {
		m := re.FindStringSubmatch(r.logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond)
	return addr
}

func TestNetbootWired(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Netboot.Enabled = true
	cfg.Netboot.HTTPListen, cfg.Netboot.TFTPListen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Netboot.IPXEDir = fakeIPXEDir(t)
	r := start(t, cfg)

	httpAddr := listening(t, r, "boot http")
	resp, err := http.Get("http://" + httpAddr + "/boot/bin/snponly.efi")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "binary snponly.efi", string(body))

	resp, err = http.Get("http://" + httpAddr + "/boot/ipxe/52:54:00:00:00:01")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), "52:54:00:00:00:01 is not in the inventory")

	tftpAddr := listening(t, r, "tftp")
	if _, err := exec.LookPath("atftp"); err != nil {
		t.Skip("atftp not installed (make deps)")
	}
	host, port := splitHostPort(t, tftpAddr)
	local := filepath.Join(t.TempDir(), "got")
	out, err := exec.CommandContext(t.Context(), "atftp", "-g", "-r", "undionly.kpxe", "-l", local, host, port).CombinedOutput()
	require.NoError(t, err, string(out))
	got, _ := os.ReadFile(local)
	assert.Equal(t, "binary undionly.kpxe", string(got))

	// Every component's metrics are served at the API's /metrics.
	require.Eventually(t, func() bool {
		resp, err := r.httpClient().Get(r.info.URL + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `slipway_tftp_transfers_total{result="ok"} 1`) &&
			strings.Contains(string(b), "slipway_http_request_duration_seconds")
	}, 10*time.Second, 50*time.Millisecond, "tftp metrics missing from /metrics")
}

func TestNetbootNeedsIPXE(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Netboot.Enabled = true
	cfg.Netboot.HTTPListen, cfg.Netboot.TFTPListen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Netboot.IPXEDir = t.TempDir()
	require.NoError(t, cfg.Validate())
	err := Run(t.Context(), cfg, discardLog())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `install Debian's "ipxe" package`)
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func splitHostPort(t *testing.T, addr string) (string, string) {
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return host, port
}
