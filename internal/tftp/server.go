// Package tftp is Slipway's read-only TFTP server (on pin/tftp/v3) for the
// iPXE boot binaries. Every request first passes a gate of our own: it is
// parsed strictly, write requests are refused with an access violation,
// paths are confined to the TFTP root with os.Root (absolute paths, "..",
// symlinks out of the root are refused), and requests beyond the cap on
// concurrent transfers are refused with an error packet. Transfers support
// the blksize and tsize options; a finished transfer to a known client is an
// event on the machine's timeline (tftp.done).
package tftp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	pintftp "github.com/pin/tftp/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/store"
)

// Defaults for the zero fields of Config.
const (
	DefaultListen       = ":69"
	DefaultMaxTransfers = 64
	// DefaultTimeout is how long the server waits for an acknowledgement
	// before it retransmits a block.
	DefaultTimeout = 2 * time.Second
	DefaultRetries = 5
	// DefaultMaxBlockSize caps the negotiated blksize.
	DefaultMaxBlockSize = 1468
	// ShutdownTimeout bounds how long Run waits for transfers in flight.
	ShutdownTimeout = 4 * time.Second
	// eventTimeout bounds the store write of a tftp.done event.
	eventTimeout = 5 * time.Second
)

// Config configures the server.
type Config struct {
	// Listen is the UDP host:port (ignored when Deps.Conn is set).
	Listen string
	// Root is the directory served; nothing outside it is reachable.
	Root         string
	MaxTransfers int
	Timeout      time.Duration
	Retries      int
	MaxBlockSize int
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.MaxTransfers <= 0 {
		c.MaxTransfers = DefaultMaxTransfers
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Retries <= 0 {
		c.Retries = DefaultRetries
	}
	if c.MaxBlockSize < 512 || c.MaxBlockSize > maxBlockSize {
		c.MaxBlockSize = DefaultMaxBlockSize
	}
}

// Leases maps a client's IP address to its MAC address (from its DHCP
// lease or declared reservation); an unknown address is store.ErrNotFound.
type Leases interface {
	MACByIP(ctx context.Context, ip netip.Addr) (string, error)
}

// Deps are the server's collaborators. Conn, DB and Leases are optional:
// without Conn the server listens on Config.Listen; without DB or Leases it
// records no events.
type Deps struct {
	Conn    net.PacketConn
	DB      *store.DB
	Leases  Leases
	Log     *slog.Logger
	Metrics prometheus.Registerer
}

// Server is the TFTP server. Build it with New, start it with Run.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	root    *os.Root
	metrics *metrics
	active  atomic.Int64
	life    context.Context // the Run context; ends transfers in flight
	pconn   net.PacketConn  // the server port (error answers are sent from it)
}

// New opens the root and registers the metrics.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg.setDefaults()
	if cfg.Root == "" {
		return nil, errors.New("tftp: root is required")
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("tftp: root: %w", err)
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg := deps.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("tftp: metrics: %w", err)
	}
	return &Server{cfg: cfg, deps: deps, log: log, root: root, metrics: m, life: context.Background()}, nil
}

// Run serves until ctx ends, then stops accepting requests, cancels the
// transfers in flight (waiting at most ShutdownTimeout) and returns nil.
func (s *Server) Run(ctx context.Context) error {
	defer s.root.Close()
	conn := s.deps.Conn
	if conn == nil {
		var err error
		if conn, err = (&net.ListenConfig{}).ListenPacket(ctx, "udp", s.cfg.Listen); err != nil {
			return fmt.Errorf("tftp: listen %s: %w", s.cfg.Listen, err)
		}
	}
	s.life, s.pconn = ctx, conn
	srv := pintftp.NewServer(s.read, nil)
	srv.SetTimeout(s.cfg.Timeout)
	srv.SetRetries(s.cfg.Retries)
	srv.SetBlockSizeNegotiation(false)
	srv.SetBlockSize(s.cfg.MaxBlockSize)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(&gate{PacketConn: conn, s: s}) }()
	s.log.Info("tftp listening", "addr", conn.LocalAddr().String(), "root", s.cfg.Root,
		"max_transfers", s.cfg.MaxTransfers)
	select {
	case err := <-errc:
		_ = conn.Close()
		return fmt.Errorf("tftp: serve stopped: %w", errors.Join(err, errors.New("unexpected stop")))
	case <-ctx.Done():
	}
	done := make(chan struct{})
	go func() { srv.Shutdown(); close(done) }()
	select {
	case <-done:
	case <-time.After(ShutdownTimeout):
		s.log.Warn("tftp: transfers still running after shutdown timeout")
	}
	return nil
}

// ctxReader fails reads once ctx ends, so a shutdown aborts transfers.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, fmt.Errorf("tftp: shutting down: %w", err)
	}
	return c.r.Read(p)
}
