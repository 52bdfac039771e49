package vm

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/test/harness"
	"github.com/slipway-dev/slipway/test/netns"
)

// Site is what the appliance under test serves inside a namespace.
type Site struct {
	Addr      string // the appliance's address on the boot network (API :8443, boot HTTP :8080, TFTP :69)
	AgentDir  string // vmlinuz + initrd served to machines in inspecting/provisioning
	Inventory string // inventory YAML applied at start
}

// Appliance is the real `slipway serve` running inside a namespace, with
// its API forwarded to a loopback port of the test process (the test and
// the CLI reach it there; no host interface is involved).
type Appliance struct {
	T       testing.TB
	Bin     string
	DataDir string
	Local   string // 127.0.0.1:port forwarded to the API inside the namespace
	Proc    *netns.Process
}

// StartAppliance writes the config and inventory, starts `slipway serve`
// in host's namespace (killed by PID when t ends) and waits until the API
// answers through the loopback forwarder.
func StartAppliance(t testing.TB, host *netns.Host, bin string, s Site) *Appliance {
	t.Helper()
	dir := t.TempDir()
	a := &Appliance{T: t, Bin: bin, DataDir: filepath.Join(dir, "data")}
	inv := filepath.Join(dir, "inventory")
	require.NoError(t, os.MkdirAll(inv, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(inv, "site.yaml"), []byte(s.Inventory), 0o600))
	cfg := fmt.Sprintf(`dataDir: %s
log: {level: debug, format: text}
api: {listen: "%s:8443", tlsHosts: ["%s"]}
store: {driver: sqlite}
inventory: {paths: ["%s"]}
dhcp: {enabled: true}
netboot:
  enabled: true
  httpListen: "%s:8080"
  tftpListen: "%s:69"
  agentDir: %s
`, a.DataDir, s.Addr, s.Addr, inv, s.Addr, s.Addr, s.AgentDir)
	cfgPath := filepath.Join(dir, "slipway.yaml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	a.Proc = host.Start(t, bin, "serve", "--config", cfgPath)
	a.Local = forward(t, host, s.Addr+":8443")
	a.waitReady()
	return a
}

func (a *Appliance) waitReady() {
	a.T.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if a.ready() {
			return
		}
		select {
		case <-a.Proc.Exited():
			a.T.Fatalf("slipway serve exited during start-up:\n%s", a.Proc.Output())
		default:
		}
		if time.Now().After(deadline) {
			a.T.Fatalf("slipway serve not ready after 60 s:\n%s", a.Proc.Output())
		}
		time.Sleep(100 * time.Millisecond) // polling another process: nothing to wait on
	}
}

func (a *Appliance) ready() bool {
	pem, err := os.ReadFile(a.CAFile())
	if err != nil {
		return false
	}
	if _, err := os.Stat(a.TokenFile()); err != nil {
		return false
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get("https://" + a.Local + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// CAFile and TokenFile are the appliance's CA and first admin token.
func (a *Appliance) CAFile() string    { return filepath.Join(a.DataDir, "pki", "ca.crt") }
func (a *Appliance) TokenFile() string { return filepath.Join(a.DataDir, "admin.token") }

// Client is an API client with the admin token, through the forwarder.
func (a *Appliance) Client() *api.Client {
	a.T.Helper()
	pem, err := os.ReadFile(a.CAFile())
	require.NoError(a.T, err)
	tok, err := os.ReadFile(a.TokenFile())
	require.NoError(a.T, err)
	c, err := api.New("https://"+a.Local, strings.TrimSpace(string(tok)), pem)
	require.NoError(a.T, err)
	return c
}

// CLI logs a CLI configuration in (the real binary, as a process).
func (a *Appliance) CLI() *harness.CLI {
	a.T.Helper()
	c := &harness.CLI{T: a.T, Bin: a.Bin, Config: filepath.Join(a.T.TempDir(), "client.yaml")}
	c.OK("login", "--server", "https://"+a.Local, "--token-file", a.TokenFile(), "--ca-file", a.CAFile())
	return c
}

// forward listens on a loopback port of the test process and connects each
// accepted connection to target from inside host's namespace. Cleanup
// closes the listener and every open connection (clients keep idle ones).
func forward(t testing.TB, host *netns.Host, target string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				pipe(host, c, target)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	return l.Addr().String()
}

func pipe(host *netns.Host, c net.Conn, target string) {
	defer c.Close()
	var up net.Conn
	err := host.Do(func() (err error) {
		up, err = net.DialTimeout("tcp", target, 5*time.Second)
		return err
	})
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, c)
		_ = up.Close()
		close(done)
	}()
	_, _ = io.Copy(c, up)
	_ = c.Close()
	<-done
}

// Binary is the slipway binary named by SLIPWAY_BIN (make builds it).
func Binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SLIPWAY_BIN")
	if bin == "" {
		t.Skip("SLIPWAY_BIN is not set (make e2e-netboot and make bench set it)")
	}
	abs, err := filepath.Abs(bin)
	require.NoError(t, err)
	return abs
}
