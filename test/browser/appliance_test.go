package browser

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/appliance"
	"github.com/slipway-dev/slipway/internal/config"
	"github.com/slipway-dev/slipway/internal/inventory"
)

// Passwords of the users the tests sign in as (one per role).
const password = "browser-test-password"

// rack is a real appliance, started in-process on a temporary data dir.
type rack struct {
	t       *testing.T
	cfg     config.Config
	info    appliance.Info
	token   string // admin API token
	client  *http.Client
	spkiB64 string // the server key's SPKI hash, which chromium is told to trust
}

func startAppliance(t *testing.T) *rack {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.API.Listen = "127.0.0.1:0"
	cfg.DHCP.Enabled = false    // no DHCP on the test host's interfaces
	cfg.Netboot.Enabled = false // netboot has its own tests
	require.NoError(t, cfg.Validate())
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan appliance.Info, 1), make(chan error, 1)
	go func() {
		done <- appliance.Run(ctx, cfg, log, appliance.OnReady(func(i appliance.Info) { ready <- i }))
	}()
	r := &rack{t: t, cfg: cfg}
	select {
	case r.info = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("appliance did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("appliance not ready after 30 s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("appliance did not stop within 10 s")
		}
	})
	tok, err := os.ReadFile(r.info.AdminTokenFile)
	require.NoError(t, err)
	r.token = strings.TrimSpace(string(tok))
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(r.info.CAPEM))
	r.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	r.spkiB64 = serverSPKI(t, filepath.Join(cfg.DataDir, appliance.PKIDir, "server.crt"))
	for _, role := range []string{"viewer", "operator", "admin"} {
		require.NoError(t, appliance.CreateUser(t.Context(), cfg, role, role, password, log))
	}
	return r
}

// serverSPKI is the base64 SHA-256 of the server certificate's public key
// (chromium's --ignore-certificate-errors-spki-list takes it): the browser
// trusts this one key, not every certificate.
func serverSPKI(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk)
	cert, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	h := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

// call makes an API request as the admin and decodes the answer into out.
func (r *rack) call(method, path string, body, out any) {
	r.t.Helper()
	var rd bytes.Buffer
	if body != nil {
		require.NoError(r.t, json.NewEncoder(&rd).Encode(body))
	}
	req, err := http.NewRequestWithContext(r.t.Context(), method, r.info.URL+path, &rd)
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := r.client.Do(req)
	require.NoError(r.t, err)
	defer res.Body.Close()
	require.Less(r.t, res.StatusCode, 300, "%s %s: %d", method, path, res.StatusCode)
	if out != nil {
		require.NoError(r.t, json.NewDecoder(res.Body).Decode(out))
	}
}

// applyInventory applies YAML through the API.
func (r *rack) applyInventory(yaml string) {
	r.call(http.MethodPost, "/api/v1/inventory/apply", api.ApplyRequest{Files: []inventory.File{{Name: "site.yaml", Content: yaml}}}, nil)
}

// machine reads one machine through the API.
func (r *rack) machine(name string) api.MachineDetail {
	var d api.MachineDetail
	r.call(http.MethodGet, "/api/v1/machines/"+name, nil, &d)
	return d
}

// siteYAML declares machines r1-u01.. in rack r1; bmcs are their BMC
// addresses ("" for none).
func siteYAML(bmcs []string, withCreds bool) string {
	var b strings.Builder
	if withCreds {
		b.WriteString("apiVersion: slipway.dev/v1alpha1\nkind: Credentials\nmetadata: {name: sim-bmc}\nspec: {type: bmc}\n")
	}
	for i, addr := range bmcs {
		fmt.Fprintf(&b, "---\napiVersion: slipway.dev/v1alpha1\nkind: Machine\nmetadata:\n  name: r1-u%02d\n"+
			"  labels: {rack: r1, unit: \"%d\", role: worker}\nspec:\n  mac: \"52:54:00:aa:00:%02x\"\n"+
			"  hardware: {cpus: 1, memoryGiB: 1, disks: [{sizeGiB: 8}]}\n", i+1, 40-i*2, i+1)
		if addr != "" {
			fmt.Fprintf(&b, "  bmc: {address: %q, credentialsRef: sim-bmc}\n", addr)
		}
	}
	return b.String()
}
