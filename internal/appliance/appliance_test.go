package appliance

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/config"
)

// syncBuffer is a log sink safe for the appliance's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testConfig(dataDir string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Netboot.Enabled = false // netboot_test.go turns it on
	return cfg
}

// running is one appliance started by a test.
type running struct {
	info   Info
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg config.Config) *running {
	t.Helper()
	require.NoError(t, cfg.Validate())
	r := &running{logs: &syncBuffer{}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(t.Context())
	r.cancel = cancel
	ready := make(chan Info, 1)
	log := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() { r.done <- Run(ctx, cfg, log, OnReady(func(i Info) { ready <- i })) }()
	select {
	case r.info = <-ready:
	case err := <-r.done:
		t.Fatalf("appliance did not start: %v\n%s", err, r.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("appliance not ready after 30 s\n%s", r.logs.String())
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the appliance and requires Run to return nil within 5 s.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatalf("Run did not return within 5 s of cancel\n%s", r.logs.String())
	}
}

func (r *running) httpClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(r.info.CAPEM)
	return &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

func TestRunServesTLSAndStops(t *testing.T) {
	dir := t.TempDir()
	r := start(t, testConfig(dir))
	require.True(t, strings.HasPrefix(r.info.URL, "https://127.0.0.1:"), r.info.URL)

	resp, err := r.httpClient().Get(r.info.URL + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", strings.TrimSpace(string(body)))

	for name, perm := range map[string]os.FileMode{
		AdminTokenFile: 0o600, SecretKeyFile: 0o600, "pki/ca.key": 0o600, "pki/server.key": 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, perm, fi.Mode().Perm(), name)
	}
	token, err := os.ReadFile(filepath.Join(dir, AdminTokenFile))
	require.NoError(t, err)
	logs := r.logs.String()
	assert.Contains(t, logs, "msg=listening url="+r.info.URL)
	assert.Contains(t, logs, "ca_fingerprint="+r.info.CAFingerprint)
	assert.Contains(t, logs, "admin_token_file="+filepath.Join(dir, AdminTokenFile))
	assert.NotContains(t, logs, strings.TrimSpace(string(token)), "the token never goes to the log")

	start := time.Now()
	r.stop(t)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestRestartReusesPKIAndToken(t *testing.T) {
	dir := t.TempDir()
	first := start(t, testConfig(dir))
	token1, err := os.ReadFile(filepath.Join(dir, AdminTokenFile))
	require.NoError(t, err)
	first.stop(t)

	second := start(t, testConfig(dir))
	assert.Equal(t, first.info.CAFingerprint, second.info.CAFingerprint)
	token2, err := os.ReadFile(filepath.Join(dir, AdminTokenFile))
	require.NoError(t, err)
	assert.Equal(t, string(token1), string(token2))
	assert.NotContains(t, second.logs.String(), "created the first admin token")

	// The first token still works and is the only one.
	c, err := api.New(second.info.URL, strings.TrimSpace(string(token1)), second.info.CAPEM)
	require.NoError(t, err)
	tokens, err := c.Tokens(t.Context())
	require.NoError(t, err)
	require.Len(t, tokens.Items, 1)
	assert.Equal(t, "admin", tokens.Items[0].Role)
}

func TestStartupInventory(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Inventory.Paths = []string{"../../deploy/examples/site"}
	r := start(t, cfg)
	token, err := os.ReadFile(filepath.Join(cfg.DataDir, AdminTokenFile))
	require.NoError(t, err)
	c, err := api.New(r.info.URL, strings.TrimSpace(string(token)), r.info.CAPEM)
	require.NoError(t, err)
	ms, err := c.Machines(t.Context(), api.MachineQuery{})
	require.NoError(t, err)
	require.Len(t, ms.Items, 4)
	for _, m := range ms.Items {
		assert.Equal(t, "registered", m.State, m.Name)
	}
	assert.Contains(t, r.logs.String(), "applied start-up inventory")
}

func TestInvalidStartupInventoryStops(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Inventory.Paths = []string{"testdata/bad"}
	err := Run(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spec.bmc.adress")
	assert.Contains(t, err.Error(), "spec.hardwre")
	assert.Contains(t, err.Error(), "2 problem(s)")
}

func TestInsecure(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.API.Insecure = true
	r := start(t, cfg)
	require.True(t, strings.HasPrefix(r.info.URL, "http://"), r.info.URL)
	assert.Empty(t, r.info.CAFingerprint)
	resp, err := http.Get(r.info.URL + "/healthz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = os.Stat(filepath.Join(cfg.DataDir, PKIDir))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestListenConflictFails(t *testing.T) {
	a := start(t, testConfig(t.TempDir()))
	cfg := testConfig(t.TempDir())
	cfg.API.Listen = strings.TrimPrefix(a.info.URL, "https://")
	err := Run(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen")
}

// TestRefusesBmclibDebug: the switch that makes bmclib print BMC passwords
// stops the appliance from starting.
func TestRefusesBmclibDebug(t *testing.T) {
	t.Setenv("DEBUG_BMCLIB", "true")
	_, err := newBMC(config.Default().BMC, nil, nil, slog.New(slog.DiscardHandler))
	require.EqualError(t, err, "DEBUG_BMCLIB=true is set: it makes bmclib print BMC passwords; unset it")
}
