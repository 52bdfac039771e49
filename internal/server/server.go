// Package server is Slipway's HTTP API (/api/v1, /metrics, /healthz,
// /readyz) on echo/v4: the routes of the REST contract, bearer-token
// authentication with roles, audit rows for every mutation, Prometheus
// metrics and the server-sent event stream. It owns the http.Server, its
// timeouts and its graceful shutdown.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults for the zero fields of Config.
const (
	DefaultListen       = "127.0.0.1:8443"
	DefaultMaxBodyBytes = 8 << 20 // an inventory of a few thousand machines
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 60 * time.Second
	DefaultIdleTimeout  = 120 * time.Second
	// ReadHeaderTimeout bounds slow-header clients regardless of ReadTimeout.
	ReadHeaderTimeout = 10 * time.Second
	// MaxHeaderBytes bounds request headers.
	MaxHeaderBytes = 64 << 10
	// ShutdownTimeout bounds the graceful shutdown in Run.
	ShutdownTimeout = 4 * time.Second
	// HeartbeatInterval is how often an idle event stream sends ": ping".
	HeartbeatInterval = 15 * time.Second
	// TokenCacheTTL is how long a verified token is trusted without a store lookup.
	TokenCacheTTL = 5 * time.Second
	// MaxConcurrentActions bounds the BMC operations running at once.
	MaxConcurrentActions = 16
)

// Config configures the API server.
type Config struct {
	// Listen is the host:port to listen on (ignored with WithListener).
	Listen string
	// TLS serves HTTPS with this configuration; nil serves plain HTTP.
	TLS *tls.Config
	// MaxBodyBytes limits request bodies (413 beyond).
	MaxBodyBytes int64
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// Version is what GET /api/v1/version answers.
	Version api.Version
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
}

// Sealer encrypts a credential secret at rest (AES-GCM; aad binds it to
// the credential's name). The secret package implements it.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
}

// Executor carries out a machine operation that needs the BMC (power and
// boot device actions). It returns nil when the action succeeded and was
// verified; the error message is recorded on the operation otherwise.
type Executor interface {
	Execute(ctx context.Context, op store.Operation) error
}

// Registry is where the server registers its metrics and what /metrics
// serves: a *prometheus.Registry of the appliance's own.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Deps are the server's collaborators.
type Deps struct {
	DB     *store.DB
	Sealer Sealer
	// Executor runs power/boot actions; nil fails them with "no BMC driver configured".
	Executor Executor
	Log      *slog.Logger
	// Metrics is the registry; nil makes a new one (never the global default).
	Metrics Registry
}

// Option changes how the server is built.
type Option func(*Server)

// WithListener serves on l instead of listening on Config.Listen.
func WithListener(l net.Listener) Option { return func(s *Server) { s.listener = l } }

// withHeartbeat changes the event stream heartbeat (tests).
func withHeartbeat(d time.Duration) Option { return func(s *Server) { s.heartbeat = d } }

// Server is the API server. Build it with New and start it with Run.
type Server struct {
	cfg       Config
	db        *store.DB
	sealer    Sealer
	executor  Executor
	log       *slog.Logger
	metrics   *metrics
	echo      *echo.Echo
	routes    map[string]bool // registered route patterns, for metric labels
	tokens    *tokenCache
	lists     listCache
	model     listModel
	listener  net.Listener
	terraform Terraform    // http backend state and sites (tfstate.go)
	images    ImageUploads // image content uploads (images.go)
	agent     Agent        // agent endpoints (agent.go)
	clusters  Clusters     // cluster actions (clusters.go)
	heartbeat time.Duration
	now       func() time.Time

	// life is cancelled when the server stops: it ends event streams and
	// running operations, so shutdown never waits on them. (Ordinary
	// requests keep their own context and are allowed to finish.)
	life     context.Context
	stop     context.CancelFunc
	opsMu    sync.Mutex // orders ops.Add against stopping
	ops      sync.WaitGroup
	opsSlots chan struct{}
}

// New builds the server and its routes.
func New(cfg Config, deps Deps, opts ...Option) (*Server, error) {
	if deps.DB == nil {
		return nil, errors.New("server: store is required")
	}
	if deps.Sealer == nil {
		return nil, errors.New("server: sealer is required")
	}
	cfg.setDefaults()
	log := deps.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	reg := deps.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	life, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, db: deps.DB, sealer: deps.Sealer, executor: deps.Executor,
		log: log, routes: map[string]bool{}, heartbeat: HeartbeatInterval, now: time.Now,
		life: life, stop: stop, opsSlots: make(chan struct{}, MaxConcurrentActions),
	}
	for _, o := range opts {
		o(s)
	}
	s.tokens = newTokenCache(TokenCacheTTL, s.now)
	m, err := newMetrics(reg, deps.DB, log)
	if err != nil {
		stop()
		return nil, err
	}
	s.metrics = m
	s.echo = s.newEcho()
	return s, nil
}

// Handler returns the API as an http.Handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.echo }

// Run serves until ctx ends, then shuts down gracefully within
// ShutdownTimeout (open event streams and running operations are cancelled)
// and returns nil. It returns an error when it cannot listen or serve.
func (s *Server) Run(ctx context.Context) error {
	l := s.listener
	if l == nil {
		var err error
		if l, err = (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.Listen); err != nil {
			return fmt.Errorf("api: listen %s: %w", s.cfg.Listen, err)
		}
	}
	srv := s.httpServer()
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLS != nil {
			errc <- srv.ServeTLS(l, "", "")
			return
		}
		errc <- srv.Serve(l)
	}()
	s.log.Info("api serving", "addr", l.Addr().String(), "tls", s.cfg.TLS != nil)
	select {
	case err := <-errc:
		s.halt()
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(srv, errc)
}

func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.echo,
		TLSConfig:         s.cfg.TLS,
		ReadTimeout:       s.cfg.ReadTimeout,
		ReadHeaderTimeout: ReadHeaderTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// shutdown stops accepting, cancels streams and operations, and waits for
// in-flight requests and operations within ShutdownTimeout.
func (s *Server) shutdown(srv *http.Server, errc <-chan error) error {
	s.halt()
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		s.log.Warn("api: graceful shutdown incomplete; closing connections", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Warn("api: serve ended", "err", err)
	}
	done := make(chan struct{})
	go func() { s.ops.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("api: operations still running at shutdown")
	}
	s.log.Info("api stopped")
	return nil
}

// halt cancels streams and running operations; no new operation starts.
func (s *Server) halt() {
	s.opsMu.Lock()
	defer s.opsMu.Unlock()
	s.stop()
}
