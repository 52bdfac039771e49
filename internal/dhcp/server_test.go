package dhcp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// loopback runs a Server whose "interfaces" are UDP sockets on 127.0.0.1.
type loopback struct {
	db    *store.DB
	srv   *Server
	reg   *prometheus.Registry
	mu    sync.Mutex
	ports map[listenKey]*net.UDPAddr
	stop  func()
}

// openStore opens a SQLite store holding the test site.
func openStore(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Config{Driver: store.DriverSQLite, Path: path}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func seedSite(t *testing.T, db *store.DB) {
	t.Helper()
	nets, specs := testObjects(t)
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		for _, o := range append(nets, specs...) {
			if err := tx.CreateObject(&o); err != nil {
				return err
			}
		}
		for name, s := range testMachines {
			m := store.Machine{Name: name, MAC: s.MAC}
			if err := machine.Create(tx, &m, machine.Registered, machine.Cause{Reason: "test"}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// startLoopback starts a server; prepare (optional) adjusts it before Run.
func startLoopback(t *testing.T, db *store.DB, cfg Config, prepare ...func(*Server)) *loopback {
	t.Helper()
	lb := &loopback{db: db, reg: prometheus.NewRegistry(), ports: map[listenKey]*net.UDPAddr{}}
	srv, err := New(cfg, Deps{
		DB: db, Metrics: lb.reg,
		Listen: func(ctx context.Context, iface string, port int) (net.PacketConn, error) {
			c, err := (&net.ListenConfig{}).ListenPacket(ctx, "udp4", "127.0.0.1:0")
			if err == nil {
				lb.mu.Lock()
				lb.ports[listenKey{iface, port}] = c.LocalAddr().(*net.UDPAddr)
				lb.mu.Unlock()
			}
			return c, err
		},
		InterfaceAddrs: func(iface string) ([]netip.Prefix, error) { return testAddrs[iface], nil },
	})
	require.NoError(t, err)
	lb.srv = srv
	for _, fn := range prepare {
		fn(srv)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	lb.stop = func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("server did not stop")
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			lb.stop()
		}
	})
	require.Eventually(t, func() bool { return lb.addr("eth0", ServerPort) != nil }, 5*time.Second, 5*time.Millisecond)
	return lb
}

func (lb *loopback) addr(iface string, port int) *net.UDPAddr {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.ports[listenKey{iface, port}]
}

// client is an insomniacslk nclient4 client talking to the server's eth0.
func (lb *loopback) client(t *testing.T, hw net.HardwareAddr, opts ...nclient4.ClientOpt) *nclient4.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	opts = append([]nclient4.ClientOpt{nclient4.WithServerAddr(lb.addr("eth0", ServerPort)),
		nclient4.WithTimeout(2 * time.Second), nclient4.WithRetry(3)}, opts...)
	c, err := nclient4.NewWithConn(conn, hw, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestServerDORAWithNClient4(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	seedSite(t, db)
	lb := startLoopback(t, db, Config{})

	lease, err := lb.client(t, mac(1)).Request(t.Context(), biosPXE...)
	require.NoError(t, err)
	assert.Equal(t, "198.18.0.10", lease.ACK.YourIPAddr.String())
	assert.Equal(t, "r1-u01", lease.ACK.HostName())
	assert.Equal(t, "undionly.kpxe", lease.ACK.BootFileName)

	// The ACK left after the lease was committed: it is in the store now.
	var l store.Lease
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) { l, err = tx.LeaseByIP("198.18.0.10"); return err }))
	assert.Equal(t, "52:54:00:00:00:01", l.MAC)
	assert.Equal(t, store.LeaseBound, l.State)
	require.Eventually(t, func() bool {
		return len(machineEvents(t, db, "r1-u01", "dhcp.")) == 2
	}, 5*time.Second, 10*time.Millisecond, "dhcp.offer and dhcp.ack recorded")
	evs := machineEvents(t, db, "r1-u01", "dhcp.")
	assert.Equal(t, []string{"dhcp.offer", "dhcp.ack"}, []string{evs[0].Type, evs[1].Type})
	assert.JSONEq(t, `{"network":"lab","ip":"198.18.0.10","mac":"52:54:00:00:00:01","arch":"x86_64","firmware":"bios",
		"clientArch":0,"vendorClass":"PXEClient:Arch:00000:UNDI:002001","uuid":"30313233-3435-3637-3839-616263646566"}`, string(evs[1].Data))
	assert.Equal(t, 1.0, value(t, lb.srv.e.metrics.replies.WithLabelValues("ACK")))
}

func machineEvents(t *testing.T, db *store.DB, m, typ string) []store.Event {
	var evs []store.Event
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) {
		evs, err = tx.ListEvents(store.EventFilter{Machine: m, Type: typ})
		return err
	}))
	return evs
}

func TestServerDiscoversUnknownMachine(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	seedSite(t, db)
	lb := startLoopback(t, db, Config{})
	hw := net.HardwareAddr{0x52, 0x54, 0x00, 0x77, 0x00, 0x10}
	lease, err := lb.client(t, hw).Request(t.Context(), uefiPXE...)
	require.NoError(t, err)
	assert.Equal(t, "snponly.efi", lease.ACK.BootFileName)
	var m store.Machine
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) { m, err = tx.GetMachine("disc-525400770010"); return err }))
	assert.Equal(t, "discovered", m.State)
	assert.Equal(t, "52:54:00:77:00:10", m.MAC)
	assert.Equal(t, "x86_64", m.Arch)
	assert.Equal(t, "30313233-3435-3637-3839-616263646566", m.UUID)
	evs := machineEvents(t, db, m.Name, "")
	require.Len(t, evs, 2)
	assert.Contains(t, evs[0].Message, `vendor class "PXEClient:Arch:00007:UNDI:003016"`)
	assert.Equal(t, "dhcp.ack", evs[1].Type)
}

// TestServerNoAddressTwice has many clients race for a small pool, then
// restarts the server and races again: no address is ever ACKed to two
// MACs, and every binding survives the restart.
func TestServerNoAddressTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db := openStore(t, path)
	seedSite(t, db)
	owner := map[string]string{} // ip → mac
	var mu sync.Mutex
	race := func(lb *loopback, first, n int) (acked int) {
		var wg sync.WaitGroup
		for i := range n {
			hw := net.HardwareAddr{0x02, 0, 0, 0, byte((first + i) >> 8), byte(first + i)}
			c := lb.client(t, hw, nclient4.WithTimeout(time.Second), nclient4.WithRetry(1))
			wg.Go(func() {
				lease, err := c.Request(t.Context())
				if err != nil {
					return // the pool ran out: no answer
				}
				mu.Lock()
				defer mu.Unlock()
				ip := lease.ACK.YourIPAddr.String()
				if prev, ok := owner[ip]; ok && prev != hw.String() {
					t.Errorf("%s ACKed to %s and %s", ip, prev, hw)
				}
				owner[ip] = hw.String()
				acked++
			})
		}
		wg.Wait()
		return acked
	}
	lb := startLoopback(t, db, Config{DiscoveryBurst: 10})
	got := race(lb, 0, 60)
	assert.Equal(t, 50, got, "the pool has 50 addresses")
	lb.stop()

	lb = startLoopback(t, db, Config{DiscoveryBurst: 10})
	got = race(lb, 100, 10)
	assert.Zero(t, got, "after a restart every address is still bound")
	// A client from before the restart renews its own address.
	for ip, m := range owner {
		hw, err := net.ParseMAC(m)
		require.NoError(t, err)
		lease, err := lb.client(t, hw).Request(t.Context())
		require.NoError(t, err)
		assert.Equal(t, ip, lease.ACK.YourIPAddr.String())
		break
	}
	var rows []store.Lease
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) (err error) { rows, err = tx.ListLeases("lab"); return err }))
	assert.Len(t, rows, 50)
}

func TestServerSurvivesPanicsAndGarbage(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	seedSite(t, db)
	boom := handler{"boom", func(p *Packet) verdict {
		if p.MAC == "52:54:00:00:00:66" {
			panic("boom")
		}
		return next
	}}
	lb := startLoopback(t, db, Config{}, func(s *Server) {
		s.e.handlers = append([]handler{s.e.handlers[0], boom}, s.e.handlers[1:]...)
	})

	conn, err := net.Dial("udp4", lb.addr("eth0", ServerPort).String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("not a dhcp packet"))
	require.NoError(t, err)
	_, err = conn.Write(discover(t, mac(0x66)).ToBytes())
	require.NoError(t, err)

	lease, err := lb.client(t, mac(1)).Request(t.Context())
	require.NoError(t, err, "the server still answers")
	assert.Equal(t, "198.18.0.10", lease.ACK.YourIPAddr.String())
	m := lb.srv.e.metrics
	require.Eventually(t, func() bool {
		return value(t, m.panics) == 1 && value(t, m.dropped.WithLabelValues("decode")) == 1
	}, 5*time.Second, 10*time.Millisecond)
	mfs, err := lb.reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	assert.Subset(t, names, []string{"slipway_dhcp_dropped_total", "slipway_dhcp_replies_total",
		"slipway_dhcp_handler_duration_seconds", "slipway_dhcp_panics_total"})
}

func TestServerReloadsInventory(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	seedSite(t, db)
	lb := startLoopback(t, db, Config{})
	hw := net.HardwareAddr{0x52, 0x54, 0x00, 0x00, 0x01, 0x01}
	spec := inventory.MachineSpec{MAC: hw.String(), Network: "closed", IP: "198.18.1.42"}
	require.NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
		o := object(t, inventory.KindMachine, "r2-u01", spec)
		if err := tx.CreateObject(&o); err != nil {
			return err
		}
		m := store.Machine{Name: "r2-u01", MAC: hw.String()}
		return machine.Create(tx, &m, machine.Registered, machine.Cause{Reason: "test"})
	}))
	require.Eventually(t, func() bool {
		_, ok := lb.srv.e.view.Load().reservations[hw.String()]
		return ok
	}, 5*time.Second, 10*time.Millisecond)
	// The new network's interface (eth1) is served too.
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	c, err := nclient4.NewWithConn(conn, hw, nclient4.WithServerAddr(lb.addr("eth1", ServerPort)), nclient4.WithTimeout(2*time.Second))
	require.NoError(t, err)
	defer c.Close()
	lease, err := c.Request(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "198.18.1.42", lease.ACK.YourIPAddr.String())
	assert.Equal(t, "r2-u01", lease.ACK.HostName())
}

// TestGroupCommit checks concurrent ACKs share transactions.
func TestGroupCommit(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	seedSite(t, db)
	m, err := newMetrics(nil)
	require.NoError(t, err)
	c := newCommitter(db, slog.New(slog.DiscardHandler), m, 1000, 1000)
	var wg sync.WaitGroup
	var done sync.WaitGroup
	for i := range 200 {
		done.Add(1)
		require.NoError(t, c.add(t.Context(), write{leases: []store.Lease{{Network: "lab", IP: fmt.Sprintf("198.18.0.%d", i+1),
			MAC: "02:00:00:00:00:01", State: store.LeaseBound, Expires: testNow}}}, done.Done))
	}
	ctx, cancel := context.WithCancel(t.Context())
	wg.Go(func() { c.run(ctx) })
	done.Wait()
	cancel()
	wg.Wait()
	var n int
	require.NoError(t, db.View(t.Context(), func(tx *store.Tx) error {
		ls, err := tx.ListLeases("lab")
		n = len(ls)
		return err
	}))
	assert.Equal(t, 200, n)
	assert.Less(t, histCount(t, m.batch), uint64(5), "200 queued writes go in a few transactions")
}

func histCount(t *testing.T, h prometheus.Histogram) uint64 {
	ch := make(chan prometheus.Metric, 1)
	h.Collect(ch)
	var pb dto.Metric
	require.NoError(t, (<-ch).Write(&pb))
	return pb.GetHistogram().GetSampleCount()
}

// value reads a counter or gauge.
func value(t *testing.T, c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var pb dto.Metric
	require.NoError(t, (<-ch).Write(&pb))
	return pb.GetCounter().GetValue()
}
