// Package dhcp benchmarks Slipway's DHCP server against Kea (memfile) and
// dnsmasq with perfdhcp, each server alone in a network namespace the
// benchmark creates, on the same 2 cores, in the same run.
package dhcp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/dhcp"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/test/netns"
)

// The load: perfdhcp acts as a relay (giaddr = its address) and runs full
// DORA exchanges for distinct clients at a rate above what any of the
// servers sustains, for a fixed period; the completed exchange rate is the
// server's capacity.
const (
	serverAddr = "198.18.0.2"
	perfAddr   = "198.18.0.50"
	poolStart  = "198.18.1.1"
	poolEnd    = "198.18.254.254"
	offered    = "8000" // exchanges/s asked for
	clients    = "50000"
	period     = "8" // seconds
)

type result struct {
	name         string
	rate         float64 // completed 4-way exchanges per second
	doAvg, raAvg float64 // ms: DISCOVER→OFFER and REQUEST→ACK average delays
	drops        string
}

func BenchmarkDHCP(b *testing.B) {
	netns.Require(b)
	netns.RequireTool(b, "perfdhcp", "kea-dhcp4", "dnsmasq")
	var rs []result
	rs = append(rs, run(b, "slipway (SQLite, durable)", startSlipway))
	rs = append(rs, run(b, "kea memfile", startKea))
	rs = append(rs, run(b, "dnsmasq", startDnsmasq))
	report(b, rs)
}

// run starts one server in a fresh lab and measures it.
func run(b *testing.B, name string, start func(b *testing.B, srv *netns.Host, dir string)) result {
	lab := netns.New(b)
	lan := lab.Bridge("lan")
	srv, cli := lab.Host("srv"), lab.Host("cli")
	srv.Link(lan, "eth0", serverAddr+"/16", "")
	cli.Link(lan, "eth0", perfAddr+"/16", "")
	start(b, srv, b.TempDir())
	// Ready when it answers (perfdhcp exits 3 when an exchange is cut off
	// by its own exit, so the output decides).
	require.Eventually(b, func() bool {
		out, _ := cli.Run(b.Context(), "perfdhcp", "-4", "-l", "eth0", "-r", "1", "-n", "1", "-R", "1", "-W", "500000", serverAddr)
		return strings.Contains(out, "received packets: 1")
	}, 20*time.Second, 200*time.Millisecond, name+" never answered")
	out, err := cli.Run(b.Context(), "perfdhcp", "-4", "-l", "eth0", "-r", offered, "-R", clients, "-p", period, serverAddr)
	if err != nil && !strings.Contains(err.Error(), "exit status 3") { // 3: some exchanges dropped
		b.Fatalf("perfdhcp against %s: %v", name, err)
	}
	return parse(b, name, out)
}

var (
	rateRe  = regexp.MustCompile(`Rate: ([0-9.]+) 4-way exchanges/second`)
	avgRe   = regexp.MustCompile(`avg delay: ([0-9.]+) ms`)
	dropsRe = regexp.MustCompile(`drops: (\d+)`)
)

func parse(b *testing.B, name, out string) result {
	r := result{name: name}
	m := rateRe.FindStringSubmatch(out)
	require.NotNil(b, m, "no rate in perfdhcp output:\n%s", out)
	r.rate, _ = strconv.ParseFloat(m[1], 64)
	if avgs := avgRe.FindAllStringSubmatch(out, 2); len(avgs) == 2 {
		r.doAvg, _ = strconv.ParseFloat(avgs[0][1], 64)
		r.raAvg, _ = strconv.ParseFloat(avgs[1][1], 64)
	}
	var drops []string
	for _, d := range dropsRe.FindAllStringSubmatch(out, 2) {
		drops = append(drops, d[1])
	}
	r.drops = strings.Join(drops, "/")
	return r
}

func report(b *testing.B, rs []result) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nDHCP: perfdhcp -4 -r %s -R %s -p %s (relayed DORA), one server at a time in a netns\n", offered, clients, period)
	fmt.Fprintf(&sb, "%-28s %12s %10s %10s %12s %10s\n", "server", "leases/s", "DO avg ms", "RA avg ms", "drops DO/RA", "vs kea")
	kea := rs[1].rate
	for _, r := range rs {
		fmt.Fprintf(&sb, "%-28s %12.0f %10.3f %10.3f %12s %9.2fx\n", r.name, r.rate, r.doAvg, r.raAvg, r.drops, r.rate/kea)
	}
	fmt.Fprintf(&sb, "target: slipway >= 1.5x kea memfile\n")
	fmt.Print(sb.String())
	b.ReportMetric(rs[0].rate, "slipway-leases/s")
	b.ReportMetric(kea, "kea-leases/s")
	b.ReportMetric(rs[0].rate/kea, "ratio-to-kea")
}

// startSlipway runs the real server in this process, its sockets in srv,
// with a SQLite store on disk (every ACK waits for its lease's commit).
func startSlipway(b *testing.B, srv *netns.Host, dir string) {
	db, err := store.Open(b.Context(), store.Config{Driver: store.DriverSQLite, Path: filepath.Join(dir, "slipway.db")},
		slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	spec, err := json.Marshal(inventory.NetworkSpec{Interface: "eth0", Subnet: "198.18.0.0/16",
		Range: &inventory.Range{Start: poolStart, End: poolEnd}, Discovery: true})
	require.NoError(b, err)
	require.NoError(b, db.Update(b.Context(), func(tx *store.Tx) error {
		return tx.CreateObject(&store.Object{Kind: string(inventory.KindNetwork), Name: "bench", Spec: spec})
	}))
	s, err := dhcp.New(dhcp.Config{}, dhcp.Deps{DB: db,
		Listen: func(ctx context.Context, iface string, port int) (c net.PacketConn, err error) {
			err = srv.Do(func() error { c, err = dhcp.ListenInterface(ctx, iface, port); return err })
			return c, err
		},
		InterfaceAddrs: func(iface string) (a []netip.Prefix, err error) {
			err = srv.Do(func() error { a, err = dhcp.InterfaceAddrs(iface); return err })
			return a, err
		},
	})
	require.NoError(b, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.Cleanup(func() { cancel(); require.NoError(b, <-done) })
}

// startKea runs kea-dhcp4 with the memfile lease database (persisted to
// its CSV file, as by default), killed by PID at the end.
func startKea(b *testing.B, srv *netns.Host, dir string) {
	cfg := map[string]any{"Dhcp4": map[string]any{
		"interfaces-config": map[string]any{"interfaces": []string{"eth0"}, "dhcp-socket-type": "udp"},
		"lease-database":    map[string]any{"type": "memfile", "persist": true, "name": filepath.Join(dir, "leases4.csv"), "lfc-interval": 0},
		"valid-lifetime":    3600,
		"subnet4": []any{map[string]any{"id": 1, "subnet": "198.18.0.0/16", "interface": "eth0",
			"pools": []any{map[string]any{"pool": poolStart + " - " + poolEnd}}}},
		"loggers": []any{map[string]any{"name": "kea-dhcp4", "severity": "WARN",
			"output_options": []any{map[string]any{"output": filepath.Join(dir, "kea.log")}}}},
	}}
	data, err := json.MarshalIndent(cfg, "", "  ")
	require.NoError(b, err)
	path := filepath.Join(dir, "kea-dhcp4.conf")
	require.NoError(b, os.WriteFile(path, data, 0o600))
	srv.Start(b, "env", "KEA_PIDFILE_DIR="+dir, "KEA_LOCKFILE_DIR="+dir, "kea-dhcp4", "-c", path)
}

// startDnsmasq runs dnsmasq as a DHCP server only (no DNS, no ping check).
func startDnsmasq(b *testing.B, srv *netns.Host, dir string) {
	srv.Start(b, "dnsmasq", "-d", "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces",
		"--user=root", "--dhcp-range="+poolStart+","+poolEnd+",255.255.0.0,1h", "--no-ping",
		"--dhcp-lease-max=200000", "--dhcp-leasefile="+filepath.Join(dir, "leases"), "--pid-file="+filepath.Join(dir, "pid"))
}
