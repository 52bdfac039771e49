// Package acctest starts a real Slipway appliance (in-process, SQLite, TLS,
// a temporary data directory, a free loopback port) for the Terraform
// acceptance tests, the appliance-run Terraform tests and the benchmarks,
// and locates the terraform binary they drive (TF_ACC_TERRAFORM_PATH; never
// whatever terraform is on PATH).
package acctest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/appliance"
	"github.com/slipway-dev/slipway/internal/config"
)

// Appliance is a running test appliance.
type Appliance struct {
	URL     string
	CAPEM   []byte
	CAFile  string
	Token   string // the first admin token
	DataDir string
	Client  *api.Client
	Logs    *Buffer
}

// Buffer is a concurrency-safe log sink.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start runs an appliance until the test ends. edit, when not nil, adjusts
// the configuration first.
func Start(t testing.TB, edit func(*config.Config)) *Appliance {
	t.Helper()
	a := &Appliance{DataDir: t.TempDir(), Logs: &Buffer{}}
	cfg := config.Default()
	cfg.DataDir = a.DataDir
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Netboot.Enabled = false // netboot has its own tests
	cfg.Log.Level = "debug"
	if edit != nil {
		edit(&cfg)
	}
	require.NoError(t, cfg.Validate())
	log := slog.New(slog.NewTextHandler(a.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan appliance.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- appliance.Run(ctx, cfg, log, appliance.OnReady(func(i appliance.Info) { ready <- i }))
	}()
	var info appliance.Info
	select {
	case info = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("appliance did not start: %v\n%s", err, a.Logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("appliance not ready after 30 s\n%s", a.Logs.String())
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("appliance did not stop within 10 s")
		}
	})
	a.URL, a.CAPEM = info.URL, info.CAPEM
	a.CAFile = filepath.Join(a.DataDir, appliance.PKIDir, "ca.crt")
	tok, err := os.ReadFile(info.AdminTokenFile)
	require.NoError(t, err)
	a.Token = string(bytes.TrimSpace(tok))
	a.Client, err = api.New(a.URL, a.Token, a.CAPEM)
	require.NoError(t, err)
	return a
}

// ProviderBlock is the HCL provider block for the appliance, with token
// (the admin token when empty).
func (a *Appliance) ProviderBlock(token string) string {
	if token == "" {
		token = a.Token
	}
	return "provider \"slipway\" {\n  endpoint = \"" + a.URL + "\"\n  token    = \"" + token +
		"\"\n  ca_cert  = file(\"" + a.CAFile + "\")\n}\n"
}

// Terraform returns the terraform binary the tests drive, skipping the test
// unless TF_ACC is set and TF_ACC_TERRAFORM_PATH names an executable
// (`make test` builds terraform 1.5.7 and sets both).
func Terraform(t testing.TB) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make test does)")
	}
	p := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if p == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set: refusing to use a terraform from PATH")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("TF_ACC_TERRAFORM_PATH: %v", err)
	}
	return p
}
