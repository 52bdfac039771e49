// Package boot serves what a netbooting machine fetches over plain HTTP
// (iPXE 2019 does HTTP only): its per-machine iPXE script, chosen by its
// lifecycle state and rendered from the ipxe/ templates, the agent's
// kernel and initramfs, the iPXE binaries for UEFI HTTP boot, and image
// files with Range requests. A provisioning script carries a one-time boot
// token (stored hashed) that the agent claims. Each step is an event on the
// machine's timeline: boot.script, boot.denied, boot.kernel, boot.initrd.
package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults and limits.
const (
	DefaultListen   = ":8080"
	DefaultTokenTTL = time.Hour
	// ReadHeaderTimeout and ReadTimeout bound slow clients (requests have no body).
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	IdleTimeout       = 120 * time.Second
	// ScriptWriteTimeout bounds writing a script; file writes get a budget
	// that grows with the file (see writeBudget).
	ScriptWriteTimeout = 15 * time.Second
	MaxHeaderBytes     = 16 << 10
	ShutdownTimeout    = 4 * time.Second
)

// Config configures the boot server.
type Config struct {
	// Listen is the host:port (ignored when Deps.Listener is set).
	Listen string
	// AdvertiseURL is how machines reach this server (http://198.18.0.1:8080);
	// every URL in a script starts with it. Empty: http://<the Host the
	// machine asked>, so each network gets the address it can reach.
	AdvertiseURL string
	// APIURL and CAFingerprint go on the agent's kernel command line
	// (slipway.url, slipway.ca): where the agent reports, and how it pins
	// the appliance's CA. Empty APIURL: https://<host of the base URL>:APIPort.
	APIURL        string
	APIPort       string
	CAFingerprint string
	// TFTPRoot is served at /boot/bin/, AgentDir at /boot/agent/ (vmlinuz,
	// initrd) and ImagesDir at /images/. An empty directory is not served.
	TFTPRoot, AgentDir, ImagesDir string
	// TokenTTL is how long a boot token may be claimed.
	TokenTTL time.Duration
}

// Deps are the server's collaborators.
type Deps struct {
	DB *store.DB
	// Listener, when set, is served instead of listening on Config.Listen.
	Listener net.Listener
	Log      *slog.Logger
	Metrics  prometheus.Registerer
	Now      func() time.Time
	// Images, when set, decides what /images/<name> sends: only the file
	// it names for a ready image (anything else is 404). Nil: ImagesDir is
	// served as it is.
	Images ImageResolver
	// PhoneHome, when set, takes POST /boot/phone-home/<token>.
	PhoneHome PhoneHomer
}

// ImageResolver maps an image name to the file below ImagesDir holding its
// verified content; ok is false for a name that is not ready to be served.
// The image catalogue implements it.
type ImageResolver interface {
	ImageFile(ctx context.Context, name string) (file string, ok bool)
}

// Server is the boot HTTP server.
type Server struct {
	cfg                Config
	db                 *store.DB
	log                *slog.Logger
	now                func() time.Time
	listener           net.Listener
	render             *renderer
	bin, agent, images *os.Root // nil when not configured
	resolver           ImageResolver
	phoneHome          PhoneHomer
	metrics            *prometheus.CounterVec
	unknown            *limiter
	handler            http.Handler
}

// New builds the server: it parses the templates and opens the roots.
func New(cfg Config, deps Deps) (*Server, error) {
	if deps.DB == nil {
		return nil, errors.New("boot: store is required")
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	cfg.AdvertiseURL = strings.TrimRight(cfg.AdvertiseURL, "/")
	if cfg.APIURL == "" && cfg.APIPort == "" {
		return nil, errors.New("boot: the API URL or port is required (for the agent's slipway.url)")
	}
	s := &Server{cfg: cfg, db: deps.DB, log: deps.Log, now: deps.Now, listener: deps.Listener,
		unknown: newLimiter(time.Minute, 1024), resolver: deps.Images, phoneHome: deps.PhoneHome}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.render, err = newRenderer(); err != nil {
		return nil, err
	}
	if err := s.openRoots(); err != nil {
		return nil, err
	}
	if err := s.newMetrics(deps.Metrics); err != nil {
		s.closeRoots()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) openRoots() error {
	for _, r := range []struct {
		dir, what string
		root      **os.Root
	}{{s.cfg.TFTPRoot, "tftp root", &s.bin}, {s.cfg.AgentDir, "agent dir", &s.agent}, {s.cfg.ImagesDir, "images dir", &s.images}} {
		if r.dir == "" {
			continue
		}
		root, err := os.OpenRoot(r.dir)
		if err != nil {
			s.closeRoots()
			return fmt.Errorf("boot: %s: %w", r.what, err)
		}
		*r.root = root
	}
	return nil
}

func (s *Server) closeRoots() {
	for _, r := range []*os.Root{s.bin, s.agent, s.images} {
		if r != nil {
			_ = r.Close()
		}
	}
}

func (s *Server) newMetrics(reg prometheus.Registerer) error {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metrics = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_boot_requests_total",
		Help: "Boot HTTP requests by route (script, bin, agent, images, other) and status code.",
	}, []string{"route", "code"})
	if err := reg.Register(s.metrics); err != nil {
		return fmt.Errorf("boot: metrics: %w", err)
	}
	return nil
}

// Handler returns the boot endpoints as an http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves until ctx ends, then shuts down within ShutdownTimeout and
// returns nil.
func (s *Server) Run(ctx context.Context) error {
	defer s.closeRoots()
	l := s.listener
	if l == nil {
		var err error
		if l, err = (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.Listen); err != nil {
			return fmt.Errorf("boot: listen %s: %w", s.cfg.Listen, err)
		}
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	s.log.Info("boot http listening", "addr", l.Addr().String(), "advertise_url", s.cfg.AdvertiseURL)
	select {
	case err := <-errc:
		return fmt.Errorf("boot: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		s.log.Warn("boot: shutdown", "err", err)
	}
	return nil
}
