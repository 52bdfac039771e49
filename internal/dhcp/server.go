package dhcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/store"
)

// Deps are the server's collaborators.
type Deps struct {
	DB      *store.DB
	Log     *slog.Logger
	Metrics prometheus.Registerer // nil: not exported
	// Listen opens the socket for one interface and port. Default:
	// ListenInterface (SO_BINDTODEVICE). Tests inject loopback sockets.
	Listen func(ctx context.Context, iface string, port int) (net.PacketConn, error)
	// InterfaceAddrs returns an interface's IPv4 addresses. Default:
	// InterfaceAddrs.
	InterfaceAddrs func(iface string) ([]netip.Prefix, error)
	Now            func() time.Time
}

// Server is the DHCP component: Run serves until its context ends.
type Server struct {
	cfg     Config
	db      *store.DB
	log     *slog.Logger
	listen  func(ctx context.Context, iface string, port int) (net.PacketConn, error)
	ifAddrs func(iface string) ([]netip.Prefix, error)
	e       *engine
	c       *committer
	queue   chan inbound

	addrs     atomic.Pointer[map[string][]netip.Prefix]
	mu        sync.Mutex
	listeners map[listenKey]net.PacketConn
	failed    map[listenKey]string // last error opening a listener
	readers   sync.WaitGroup
}

type listenKey struct {
	iface string
	port  int
}

// inbound is a packet read from a socket, waiting for a worker.
type inbound struct {
	raw  []byte
	in   Inbound
	conn net.PacketConn
}

// New builds a server; cfg's zero fields take defaults.
func New(cfg Config, d Deps) (*Server, error) {
	if d.DB == nil {
		return nil, errors.New("dhcp: no store")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Listen == nil {
		d.Listen = ListenInterface
	}
	if d.InterfaceAddrs == nil {
		d.InterfaceAddrs = InterfaceAddrs
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	m, err := newMetrics(d.Metrics)
	if err != nil {
		return nil, fmt.Errorf("dhcp: metrics: %w", err)
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, db: d.DB, log: d.Log, listen: d.Listen, ifAddrs: d.InterfaceAddrs,
		e: newEngine(cfg, d.Log, m, d.Now), queue: make(chan inbound, cfg.Queue),
		listeners: map[listenKey]net.PacketConn{}, failed: map[listenKey]string{}}
	s.c = newCommitter(d.DB, d.Log, m, cfg.Queue, cfg.MaxBatch)
	s.e.async = s.c.tryAdd
	s.addrs.Store(&map[string][]netip.Prefix{})
	s.e.addrs = func(iface string) []netip.Prefix { return (*s.addrs.Load())[iface] }
	return s, nil
}

// Run loads the leases and the inventory, then serves until ctx ends. It
// returns nil on cancellation.
func (s *Server) Run(ctx context.Context) error {
	if err := s.loadLeases(ctx); err != nil {
		return err
	}
	if err := s.reload(ctx, true); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.c.run(ctx) })
	for range s.cfg.Workers {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Go(func() { s.watch(ctx) })
	<-ctx.Done()
	s.closeListeners()
	s.readers.Wait()
	wg.Wait()
	return nil
}

func (s *Server) loadLeases(ctx context.Context) error {
	var ls []store.Lease
	err := s.db.View(ctx, func(tx *store.Tx) (err error) {
		ls, err = tx.ListLeases("")
		return err
	})
	if err != nil {
		return fmt.Errorf("dhcp: load leases: %w", err)
	}
	s.e.leases.mu.Lock()
	s.e.leases.load(ls)
	s.e.leases.mu.Unlock()
	s.log.Info("dhcp: leases loaded", "count", len(ls))
	return nil
}

// watch reloads the inventory when the store says it changed, and sweeps
// ended leases periodically.
func (s *Server) watch(ctx context.Context) {
	ch, cancel := s.db.Subscribe()
	defer cancel()
	tick := time.NewTicker(s.cfg.SweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			s.logReload(s.reload(ctx, false))
		case <-tick.C:
			s.logReload(s.reload(ctx, true))
			s.sweep()
		}
	}
}

func (s *Server) logReload(err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("dhcp: reload", "err", err)
	}
}

// reload rebuilds the inventory view when its generation changed (always
// when force), then opens and closes sockets to match the networks.
func (s *Server) reload(ctx context.Context, force bool) error {
	cur := s.e.view.Load()
	if !force {
		var gen int64
		err := s.db.View(ctx, func(tx *store.Tx) (err error) {
			gen, err = tx.InventoryGeneration()
			return err
		})
		if err != nil {
			return err
		}
		if gen == cur.generation {
			return nil
		}
	}
	v, err := loadInventory(ctx, s.db, s.log)
	if err != nil {
		return err
	}
	s.e.view.Store(v)
	s.syncListeners(ctx, v)
	return nil
}

// sweep expires ended leases (stored without waiting) and checks pools.
func (s *Server) sweep() {
	t := s.e.leases
	t.mu.Lock()
	expired := t.expire(s.e.now())
	t.mu.Unlock()
	if len(expired) > 0 {
		s.c.tryAdd(write{leases: expired})
	}
	for _, n := range s.e.view.Load().networks {
		s.e.checkPool(n)
	}
}
