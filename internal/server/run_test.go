package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/pki"
)

// running is a server started with Run on a loopback listener.
type running struct {
	*harness
	cancel context.CancelFunc
	done   chan error
}

// runServer starts h.srv with Run and points h's requests at it.
func runServer(t *testing.T, h *harness) *running {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	WithListener(l)(h.srv)
	ctx, cancel := context.WithCancel(context.Background())
	rs := &running{harness: h, cancel: cancel, done: make(chan error, 1)}
	go func() { rs.done <- h.srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-rs.done
	})
	scheme := "http"
	if h.srv.cfg.TLS != nil {
		scheme = "https"
	}
	// Requests go to the running server; the httptest one stays idle.
	h.url, h.client = scheme+"://"+l.Addr().String(), &http.Client{}
	return rs
}

// stopped waits for Run to return and says how long it took.
func (rs *running) stop(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	rs.cancel()
	select {
	case err := <-rs.done:
		require.NoError(t, err)
		rs.done <- nil // for the cleanup
	case <-time.After(2 * ShutdownTimeout):
		t.Fatal("Run did not return")
	}
	return time.Since(start)
}

// TestShutdownWithOpenStream checks Run returns promptly (well within 5 s)
// although an event stream is open: shutdown ends streams itself.
func TestShutdownWithOpenStream(t *testing.T) {
	h := newHarness(t)
	rs := runServer(t, h)
	require.Equal(t, http.StatusOK, h.do(http.MethodGet, "/healthz", "", nil).status)
	c := h.follow("", nil)
	require.Equal(t, http.StatusOK, c.status)

	took := rs.stop(t)
	assert.Less(t, took, 5*time.Second)
	select {
	case _, ok := <-c.events:
		assert.False(t, ok)
	case <-time.After(waitFor):
		t.Fatal("stream still open")
	}
}

// TestStreamOutlivesTimeouts checks an event stream stays open past the
// server's read and write timeouts (they bound each write instead).
func TestStreamOutlivesTimeouts(t *testing.T) {
	h := newHarness(t, harnessOpts{
		cfg:  Config{ReadTimeout: 150 * time.Millisecond, WriteTimeout: 150 * time.Millisecond},
		opts: []Option{withHeartbeat(25 * time.Millisecond)},
	})
	runServer(t, h)
	c := h.follow("", nil)
	start := time.Now()
	for time.Since(start) < 500*time.Millisecond {
		select {
		case <-c.pings:
		case e, ok := <-c.events:
			require.True(t, ok, "stream closed after %s", time.Since(start))
			t.Fatalf("unexpected event %d", e.ID)
		case <-time.After(waitFor):
			t.Fatal("no heartbeat")
		}
	}
	h.appendEvents("", 1)
	require.Len(t, c.next(t, 1), 1)
}

func TestRunTLS(t *testing.T) {
	b, err := pki.Ensure(t.TempDir(), nil, time.Now())
	require.NoError(t, err)
	h := newHarness(t, harnessOpts{cfg: Config{TLS: b.TLSConfig()}})
	rs := runServer(t, h)
	pool := x509.NewCertPool()
	pool.AddCert(b.CA)
	h.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}

	r := h.do(http.MethodGet, "/api/v1/whoami", auth.Viewer, nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	assert.Equal(t, hsts, r.header.Get("Strict-Transport-Security"))
	rs.stop(t)
}

func TestRunListenError(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: Config{Listen: "127.0.0.1:-1"}})
	err := h.srv.Run(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen")
}
