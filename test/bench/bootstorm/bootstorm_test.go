// Package bootstorm benchmarks a boot storm: 500 machines, declared in the
// inventory, netboot at once against the real appliance (`slipway serve`)
// in a network namespace. Each simulated machine does what a BIOS PXE ROM
// and iPXE do on the wire: DHCP DISCOVER/REQUEST (its own MAC, PXE options)
// for its reserved address, a TFTP fetch of the boot file the ACK names
// (undionly.kpxe) from that address, then the HTTP fetch of its iPXE
// script. Clients are Go (insomniacslk nclient4 on a raw socket, pin/tftp,
// net/http) with their sockets in a client namespace; at most 50 machines
// boot at a time.
package bootstorm

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/insomniacslk/dhcp/iana"
	"github.com/pin/tftp/v3"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/test/netns"
	"github.com/slipway-dev/slipway/test/vm"
)

const (
	machines    = 500
	concurrency = 50
	applAddr    = "198.18.0.1"
	target      = 60 * time.Second
)

// machine i's MAC and reserved address (198.18.1.1 onwards, 250 per /24).
func mac(i int) net.HardwareAddr {
	return net.HardwareAddr{0x52, 0x54, 0x00, 0x5c, byte(i >> 8), byte(i)}
}
func ip(i int) string { return fmt.Sprintf("198.18.%d.%d", 1+i/250, 1+i%250) }

func inventory() string {
	var b strings.Builder
	b.WriteString(`apiVersion: slipway.dev/v1alpha1
kind: Network
metadata: {name: storm}
spec: {mode: full, interface: eth0, subnet: 198.18.0.0/16, gateway: 198.18.0.1, leaseTime: 1h}
`)
	for i := range machines {
		fmt.Fprintf(&b, "---\napiVersion: slipway.dev/v1alpha1\nkind: Machine\nmetadata: {name: storm-%03d}\nspec: {mac: %q, network: storm, ip: %s}\n",
			i, mac(i).String(), ip(i))
	}
	return b.String()
}

// phases of one machine's boot.
type timing struct{ dhcp, tftp, script time.Duration }

func BenchmarkBootStorm(b *testing.B) {
	netns.Require(b)
	bin := vm.Binary(b)
	lab := netns.New(b)
	lan := lab.Bridge("lan")
	srv, cli := lab.Host("srv"), lab.Host("cli")
	srv.Link(lan, "eth0", applAddr+"/16", "")
	cli.Link(lan, "eth0", "198.18.0.2/16", "")
	addAddresses(b, cli)
	agent := b.TempDir() // the agent files are not fetched here
	a := vm.StartAppliance(b, srv, bin, vm.Site{Addr: applAddr, AgentDir: agent, Inventory: inventory()})

	inspectAll(b, a)

	times := make([]timing, machines)
	start := time.Now()
	g, ctx := errgroup.WithContext(b.Context())
	g.SetLimit(concurrency)
	for i := range machines {
		g.Go(func() (err error) {
			times[i], err = bootOne(ctx, cli, i)
			return err
		})
	}
	require.NoError(b, g.Wait())
	total := time.Since(start)
	report(b, total, times)
	checkTimelines(b, a)
	serverCounts(b, a, times)
}

// inspectAll puts every machine in state inspecting, so each gets the
// agent script (with its own boot token), not a refusal.
func inspectAll(b *testing.B, a *vm.Appliance) {
	c := a.Client()
	g, ctx := errgroup.WithContext(b.Context())
	g.SetLimit(8)
	for i := range machines {
		g.Go(func() error {
			_, err := c.Action(ctx, fmt.Sprintf("storm-%03d", i), api.ActionRequest{Action: "inspect"})
			return err
		})
	}
	require.NoError(b, g.Wait())
}

// serverCounts prints how many of each boot event the appliance recorded:
// more ACKs than machines means clients retransmitted REQUESTs (each such
// DORA then takes the client's 2 s timeout more).
func serverCounts(b *testing.B, a *vm.Appliance, times []timing) {
	c := a.Client()
	var parts []string
	for _, typ := range []string{"dhcp.offer", "dhcp.ack", "tftp.done", "boot.script"} {
		l, err := c.Events(b.Context(), api.EventQuery{Type: typ, Limit: 10 * machines})
		require.NoError(b, err)
		parts = append(parts, fmt.Sprintf("%s %d", typ, len(l.Items)))
	}
	slow := 0
	for _, t := range times {
		if t.dhcp > time.Second {
			slow++
		}
	}
	fmt.Printf("appliance events: %s; DORAs over 1 s (a retransmit): %d\n", strings.Join(parts, ", "), slow)
}

// checkTimelines: the appliance attributed every step to the machine (the
// TFTP and HTTP requests by their source address).
func checkTimelines(b *testing.B, a *vm.Appliance) {
	c := a.Client()
	for _, i := range []int{0, machines / 2, machines - 1} {
		d, err := c.Machine(b.Context(), fmt.Sprintf("storm-%03d", i))
		require.NoError(b, err)
		var types []string
		for _, e := range d.Events {
			types = append(types, e.Type)
		}
		for _, want := range []string{"dhcp.offer", "dhcp.ack", "tftp.done", "boot.script"} {
			require.Contains(b, types, want, "storm-%03d", i)
		}
	}
}

// addAddresses gives the client namespace every machine's reserved address
// (each simulated machine sends TFTP and HTTP from its own address, as a
// booted one does; the appliance maps it back to the machine).
func addAddresses(b *testing.B, cli *netns.Host) {
	var sb strings.Builder
	for i := range machines {
		fmt.Fprintf(&sb, "addr add %s/32 dev eth0\n", ip(i))
	}
	path := filepath.Join(b.TempDir(), "addrs")
	require.NoError(b, os.WriteFile(path, []byte(sb.String()), 0o600))
	out, err := cli.Run(b.Context(), "ip", "-batch", path)
	require.NoError(b, err, out)
}

// bootOne runs one machine's DHCP, TFTP and script fetch.
func bootOne(ctx context.Context, cli *netns.Host, i int) (timing, error) {
	var t timing
	t0 := time.Now()
	lease, err := dhcp(ctx, cli, mac(i))
	if err != nil {
		return t, fmt.Errorf("machine %d: dhcp: %w", i, err)
	}
	t.dhcp = time.Since(t0)
	if got := lease.ACK.YourIPAddr.String(); got != ip(i) {
		return t, fmt.Errorf("machine %d: got %s, want its reservation %s", i, got, ip(i))
	}
	if f := lease.ACK.BootFileName; f != "undionly.kpxe" {
		return t, fmt.Errorf("machine %d: boot file %q, want undionly.kpxe", i, f)
	}
	t1 := time.Now()
	if err := fetchTFTP(cli, ip(i), lease.ACK.BootFileName); err != nil {
		return t, fmt.Errorf("machine %d: tftp: %w", i, err)
	}
	t.tftp = time.Since(t1)
	t2 := time.Now()
	if err := fetchScript(ctx, cli, ip(i), mac(i)); err != nil {
		return t, fmt.Errorf("machine %d: script: %w", i, err)
	}
	t.script = time.Since(t2)
	return t, nil
}

// bios is what a BIOS PXE ROM sends: vendor class and architecture 0.
var bios = []dhcpv4.Modifier{
	dhcpv4.WithOption(dhcpv4.OptClassIdentifier("PXEClient:Arch:00000:UNDI:002001")),
	dhcpv4.WithOption(dhcpv4.OptClientArch(iana.INTEL_X86PC)),
}

func dhcp(ctx context.Context, cli *netns.Host, hw net.HardwareAddr) (*nclient4.Lease, error) {
	var c *nclient4.Client
	err := cli.Do(func() (err error) {
		c, err = nclient4.New("eth0", nclient4.WithHWAddr(hw), nclient4.WithTimeout(2*time.Second), nclient4.WithRetry(5))
		return err
	})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Request(ctx, bios...)
}

func fetchTFTP(cli *netns.Host, from, file string) error {
	c, err := tftp.NewClient(applAddr + ":69")
	if err != nil {
		return err
	}
	if err := c.SetLocalAddr(from); err != nil {
		return err
	}
	c.SetBlockSize(1468)
	c.SetTimeout(2 * time.Second)
	var wt io.WriterTo
	// Receive opens the socket and sends the request: inside the namespace.
	if err := cli.Do(func() (err error) { wt, err = c.Receive(file, "octet"); return err }); err != nil {
		return err
	}
	n, err := wt.WriteTo(io.Discard)
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: empty", file)
	}
	return err
}

func fetchScript(ctx context.Context, cli *netns.Host, from string, hw net.HardwareAddr) error {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (c net.Conn, err error) {
			err = cli.Do(func() error { c, err = d.DialContext(ctx, network, addr); return err })
			return c, err
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+applAddr+":8080/boot/ipxe/"+hw.String(), nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "#!ipxe") {
		return fmt.Errorf("status %d: %.80q", resp.StatusCode, body)
	}
	return nil
}

func report(b *testing.B, total time.Duration, times []timing) {
	phase := func(get func(timing) time.Duration) (p50, p99 time.Duration) {
		var ds []time.Duration
		for _, t := range times {
			ds = append(ds, get(t))
		}
		slices.Sort(ds)
		return ds[len(ds)/2], ds[len(ds)*99/100]
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nBoot storm: %d declared machines, %d at a time: DHCP DORA (PXE BIOS) + TFTP undionly.kpxe + HTTP iPXE script\n",
		machines, concurrency)
	fmt.Fprintf(&sb, "%-22s %10s %10s\n", "phase", "p50", "p99")
	for _, p := range []struct {
		name string
		get  func(timing) time.Duration
	}{{"dhcp (DORA)", func(t timing) time.Duration { return t.dhcp }},
		{"tftp undionly.kpxe", func(t timing) time.Duration { return t.tftp }},
		{"http script", func(t timing) time.Duration { return t.script }},
		{"machine total", func(t timing) time.Duration { return t.dhcp + t.tftp + t.script }}} {
		p50, p99 := phase(p.get)
		fmt.Fprintf(&sb, "%-22s %10s %10s\n", p.name, p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond))
	}
	fmt.Fprintf(&sb, "total: %s for %d machines (target < %s)\n", total.Round(10*time.Millisecond), machines, target)
	fmt.Print(sb.String())
	b.ReportMetric(total.Seconds(), "storm-s")
	if total >= target {
		b.Errorf("boot storm took %s, target < %s", total, target)
	}
}
