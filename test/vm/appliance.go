package vm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

func (a *Appliance) ready() bool { return Ready(a.T.Context(), "https://"+a.Local, a.DataDir) }

// CAFile and TokenFile are the appliance's CA and first admin token.
func (a *Appliance) CAFile() string    { return CAFile(a.DataDir) }
func (a *Appliance) TokenFile() string { return TokenFile(a.DataDir) }

// CAFile and TokenFile are the CA and first admin token `slipway serve`
// writes under its data directory.
func CAFile(dataDir string) string    { return filepath.Join(dataDir, "pki", "ca.crt") }
func TokenFile(dataDir string) string { return filepath.Join(dataDir, "admin.token") }

// Ready reports whether `slipway serve` with data directory dataDir has
// written its CA and admin token and answers GET /readyz at url (https,
// with a certificate of that CA).
func Ready(ctx context.Context, url, dataDir string) bool {
	pem, err := os.ReadFile(CAFile(dataDir))
	if err != nil {
		return false
	}
	if _, err := os.Stat(TokenFile(dataDir)); err != nil {
		return false
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

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
// accepted connection to target from inside host's namespace until t ends.
func forward(t testing.TB, host *netns.Host, target string) string {
	t.Helper()
	addr, stop, err := host.Forward("127.0.0.1:0", target)
	require.NoError(t, err)
	t.Cleanup(stop)
	return addr
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
