package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/appliance"
	"github.com/slipway-dev/slipway/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

// site is the example inventory: one network, four machines, one image, one
// cluster, a fleet and a credentials reference.
const site = "../../deploy/examples/site"

// syncBuffer is a writer safe for concurrent use (appliance logs, -f output).
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

// testAppliance is a real appliance (TLS, SQLite, temp data dir, free port)
// run in-process by a test, and a CLI environment pointed at it.
type testAppliance struct {
	info    appliance.Info
	dataDir string
	home    string
	logs    *syncBuffer
	environ []string // extra KEY=VALUE entries
}

func startAppliance(t *testing.T) *testAppliance {
	t.Helper()
	ta := &testAppliance{dataDir: t.TempDir(), home: t.TempDir(), logs: &syncBuffer{}}
	cfg := config.Default()
	cfg.DataDir = ta.dataDir
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Netboot.Enabled = false // netboot has its own tests
	cfg.Log.Level = "debug"
	require.NoError(t, cfg.Validate())
	log := slog.New(slog.NewTextHandler(ta.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan appliance.Info, 1)
	done := make(chan error, 1)
	go func() {
		done <- appliance.Run(ctx, cfg, log, appliance.OnReady(func(i appliance.Info) { ready <- i }))
	}()
	select {
	case ta.info = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("appliance did not start: %v\n%s", err, ta.logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("appliance not ready after 30 s\n%s", ta.logs.String())
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("appliance did not stop within 5 s")
		}
	})
	return ta
}

func (ta *testAppliance) tokenFile() string {
	return filepath.Join(ta.dataDir, appliance.AdminTokenFile)
}
func (ta *testAppliance) caFile() string { return filepath.Join(ta.dataDir, "pki", "ca.crt") }
func (ta *testAppliance) clientConfig() string {
	return filepath.Join(ta.home, ".config", "slipway", "client.yaml")
}

// result is one command's output.
type result struct {
	stdout, stderr string
	err            error
}

func (r result) code() int { return ExitCode(r.err) }

// run executes one slipway command line in-process against the appliance.
func (ta *testAppliance) run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return ta.runCtx(t.Context(), stdin, nil, args...)
}

func (ta *testAppliance) runCtx(ctx context.Context, stdin string, stdout io.Writer, args ...string) result {
	var out, errb bytes.Buffer
	if stdout == nil {
		stdout = &out
	}
	err := Execute(ctx, Env{
		Args:    args,
		Stdin:   strings.NewReader(stdin),
		Stdout:  stdout,
		Stderr:  &errb,
		Environ: append([]string{"HOME=" + ta.home}, ta.environ...),
		Version: "v0.0.0-test",
	})
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

// login stores a client config for the admin token, trusting the CA file.
func (ta *testAppliance) login(t *testing.T) {
	t.Helper()
	r := ta.run(t, "", "login", "--server", ta.info.URL, "--token-file", ta.tokenFile(), "--ca-file", ta.caFile())
	require.NoError(t, r.err, r.stderr)
}

var (
	timeRe = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	ageRe  = regexp.MustCompile(`(?m)\b\d+[smhd]$`)
	dateRe = regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`)
)

// normalize replaces what changes from run to run: times, dates and ages.
func normalize(s string) string {
	s = timeRe.ReplaceAllString(s, "2006-01-02T15:04:05Z")
	s = dateRe.ReplaceAllString(s, "2006-01-02")
	return ageRe.ReplaceAllString(s, "<age>")
}

// golden compares got (normalized) with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = normalize(got)
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "golden %s (refresh with -update)", name)
}
