// Package harness runs the real slipway binary for the end-to-end suites and
// benchmarks: `slipway serve` as a process on loopback (TLS, its own data
// directory), the CLI as separate processes with their own client config, and
// faults (SIGKILL, SIGTERM) delivered only to the processes it started.
package harness

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
)

// Binary returns the slipway binary named by SLIPWAY_BIN, or skips the test
// unless gate (an environment variable such as SLIPWAY_E2E) is "1".
func Binary(t testing.TB, gate string) string {
	t.Helper()
	if gate != "" && os.Getenv(gate) != "1" {
		t.Skipf("needs the real binary: run with %s=1 SLIPWAY_BIN=path (see the Makefile)", gate)
	}
	bin := os.Getenv("SLIPWAY_BIN")
	if bin == "" {
		t.Skip("SLIPWAY_BIN is not set (make e2e / make bench set it)")
	}
	abs, err := filepath.Abs(bin)
	require.NoError(t, err)
	return abs
}

// Appliance is one `slipway serve` data directory and address; Proc is the
// process currently serving it (Start again after Kill9 restarts it).
type Appliance struct {
	T       testing.TB
	Bin     string
	DataDir string
	Addr    string
	Env     []string
	Proc    *Proc
}

// Proc is one started process; Done closes when it has exited.
type Proc struct {
	Cmd  *exec.Cmd
	Log  *bytes.Buffer
	Done chan struct{}
	Err  error
}

// Start starts an appliance on a free loopback port with a new data dir.
func Start(t testing.TB, bin string, env ...string) *Appliance {
	t.Helper()
	a := &Appliance{T: t, Bin: bin, DataDir: t.TempDir(), Addr: FreeAddr(t), Env: env}
	a.Start()
	return a
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// Start runs serve and waits until /readyz answers over TLS.
func (a *Appliance) Start() {
	a.T.Helper()
	p := &Proc{Log: &bytes.Buffer{}, Done: make(chan struct{})}
	p.Cmd = exec.Command(a.Bin, "serve", "--data-dir", a.DataDir, "--listen", a.Addr, "--log-level", "debug")
	p.Cmd.Env = append(append(os.Environ(), "SLIPWAY_NETBOOT_ENABLED=false"), a.Env...) // netboot has its own tests
	p.Cmd.Stdout, p.Cmd.Stderr = p.Log, p.Log
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(a.T, p.Cmd.Start())
	go func() { p.Err = p.Cmd.Wait(); close(p.Done) }()
	a.Proc = p
	a.T.Cleanup(func() {
		_ = p.Cmd.Process.Signal(syscall.SIGKILL) // only the process this harness started
		<-p.Done
	})
	deadline := time.Now().Add(30 * time.Second)
	for !a.Ready() {
		select {
		case <-p.Done:
			a.T.Fatalf("slipway serve exited during start-up: %v\n%s", p.Err, p.Log.String())
		default:
		}
		if time.Now().After(deadline) {
			a.T.Fatalf("slipway serve not ready after 30 s:\n%s", p.Log.String())
		}
		time.Sleep(50 * time.Millisecond) // polling another process: nothing to wait on
	}
}

// URL is the API base URL.
func (a *Appliance) URL() string { return "https://" + a.Addr }

// CAFile is the appliance CA certificate generated on first start.
func (a *Appliance) CAFile() string { return filepath.Join(a.DataDir, "pki", "ca.crt") }

// TokenFile is the first admin token.
func (a *Appliance) TokenFile() string { return filepath.Join(a.DataDir, "admin.token") }

// Token returns the admin token.
func (a *Appliance) Token() string {
	a.T.Helper()
	b, err := os.ReadFile(a.TokenFile())
	require.NoError(a.T, err)
	return strings.TrimSpace(string(b))
}

// HTTPClient trusts the appliance CA (and nothing else).
func (a *Appliance) HTTPClient() *http.Client {
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(a.CAFile()); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
}

// Client is an API client with the admin token.
func (a *Appliance) Client() *api.Client {
	a.T.Helper()
	caPEM, err := os.ReadFile(a.CAFile())
	require.NoError(a.T, err)
	c, err := api.New(a.URL(), a.Token(), caPEM)
	require.NoError(a.T, err)
	return c
}

// Ready reports whether /readyz answers 200.
func (a *Appliance) Ready() bool {
	resp, err := a.HTTPClient().Get(a.URL() + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Kill9 kills the appliance with SIGKILL and waits for it to be gone.
func (a *Appliance) Kill9() {
	a.T.Helper()
	require.NoError(a.T, a.Proc.Cmd.Process.Signal(syscall.SIGKILL))
	<-a.Proc.Done
}

// Stop sends SIGTERM and returns how long the process took to exit and its error.
func (a *Appliance) Stop() (time.Duration, error) {
	start := time.Now()
	require.NoError(a.T, a.Proc.Cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-a.Proc.Done:
		return time.Since(start), a.Proc.Err
	case <-time.After(15 * time.Second):
		return time.Since(start), errors.New("did not exit within 15 s of SIGTERM")
	}
}

// RSS returns the serving process's resident set size in bytes.
func (a *Appliance) RSS() int64 {
	a.T.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(a.Proc.Cmd.Process.Pid), "status"))
	require.NoError(a.T, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(a.T, err)
			return kb * 1024
		}
	}
	a.T.Fatal("VmRSS not found")
	return 0
}
