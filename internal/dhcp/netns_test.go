package dhcp

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/test/netns"
)

// Network namespace tier: the server runs in this process with its sockets
// inside a namespace, real clients (busybox udhcpc, dhclient, perfdhcp,
// dhcrelay, dnsmasq) run in others, all joined by bridges the test creates.
// Gated by SLIPWAY_NETNS=1 (make test sets it) and root.

// serveIn starts a Server whose sockets live in host's namespace.
func serveIn(t *testing.T, host *netns.Host, db *store.DB, cfg Config) *Server {
	t.Helper()
	srv, err := New(cfg, Deps{DB: db,
		Listen: func(ctx context.Context, iface string, port int) (c net.PacketConn, err error) {
			err = host.Do(func() error { c, err = ListenInterface(ctx, iface, port); return err })
			return c, err
		},
		InterfaceAddrs: func(iface string) (a []netip.Prefix, err error) {
			err = host.Do(func() error { a, err = InterfaceAddrs(iface); return err })
			return a, err
		},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	return srv
}

func siteDB(t *testing.T) *store.DB {
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	seedSite(t, db)
	return db
}

var leaseObtained = regexp.MustCompile(`lease of (\S+) obtained`)

func TestNetnsUdhcpcAndDhclient(t *testing.T) {
	netns.RequireHeavy(t)
	netns.RequireTool(t, "busybox", "dhclient")
	lab := netns.New(t)
	lan := lab.Bridge("lan")
	srvHost := lab.Host("srv")
	srvHost.Link(lan, "eth0", "198.18.0.2/24", "")
	serveIn(t, srvHost, siteDB(t), Config{})

	// A declared machine gets its reserved address from busybox udhcpc.
	c1 := lab.Host("c1")
	c1.Link(lan, "eth0", "", "52:54:00:00:00:01")
	out, err := c1.Run(t.Context(), "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", "/bin/true")
	require.NoError(t, err, out)
	m := leaseObtained.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Equal(t, "198.18.0.10", m[1])

	// An unknown MAC gets a pool address from ISC dhclient.
	c2 := lab.Host("c2")
	c2.Link(lan, "eth0", "", "52:54:00:00:00:42")
	dir := t.TempDir()
	out, err = c2.Run(t.Context(), "dhclient", "-4", "-1", "-v", "-sf", "/bin/true",
		"-lf", filepath.Join(dir, "leases"), "-pf", filepath.Join(dir, "pid"), "eth0")
	require.NoError(t, err, out)
	assert.Regexp(t, `DHCPACK of 198\.18\.0\.1[0-4][0-9] from 198\.18\.0\.2`, out)
}

func TestNetnsRelay(t *testing.T) {
	netns.RequireHeavy(t)
	netns.RequireTool(t, "busybox", "dhcrelay")
	lab := netns.New(t)
	core, edge := lab.Bridge("core"), lab.Bridge("edge")
	srvHost := lab.Host("srv")
	srvHost.Link(core, "eth0", "198.18.0.2/24", "")
	_, err := srvHost.Run(t.Context(), "ip", "route", "add", "198.18.3.0/24", "via", "198.18.0.3")
	require.NoError(t, err)
	relay := lab.Host("relay")
	relay.Link(core, "eth0", "198.18.0.3/24", "")
	relay.Link(edge, "eth1", "198.18.3.1/24", "")
	serveIn(t, srvHost, siteDB(t), Config{})
	relay.Start(t, "dhcrelay", "-4", "-d", "-id", "eth1", "-iu", "eth0", "198.18.0.2")

	client := lab.Host("c")
	client.Link(edge, "eth0", "", "52:54:00:00:00:03")
	out, err := client.Run(t.Context(), "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1", "-s", "/bin/true")
	require.NoError(t, err, out)
	m := leaseObtained.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Equal(t, "198.18.3.10", m[1], "the relay network's reservation, selected by giaddr")
}

// TestNetnsProxyBesideDnsmasq: dnsmasq is the site's DHCP server; Slipway
// in proxy mode answers the same PXE DISCOVER with boot information only,
// then the 4011 REQUEST. The PXE client is a small Go client in its own
// namespace (insomniacslk's nclient4 on a raw socket, with the options
// OVMF's PXE sends).
func TestNetnsProxyBesideDnsmasq(t *testing.T) {
	netns.RequireHeavy(t)
	netns.RequireTool(t, "dnsmasq")
	lab := netns.New(t)
	lan := lab.Bridge("lan")
	dns := lab.Host("dns")
	dns.Link(lan, "eth0", "198.18.2.1/24", "")
	dir := t.TempDir()
	dnsmasq := dns.Start(t, "dnsmasq", "-d", "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces",
		"--user=root", "--dhcp-range=198.18.2.100,198.18.2.150,255.255.255.0,1h", "--no-ping",
		"--dhcp-leasefile="+filepath.Join(dir, "leases"), "--pid-file="+filepath.Join(dir, "pid"))
	srvHost := lab.Host("srv")
	srvHost.Link(lan, "eth2", "198.18.2.2/24", "")
	serveIn(t, srvHost, siteDB(t), Config{})
	client := lab.Host("c")
	client.Link(lan, "eth0", "", "52:54:00:00:00:30")

	hw := mac(0x30)
	var c *nclient4.Client
	require.NoError(t, client.Do(func() (err error) {
		c, err = nclient4.New("eth0", nclient4.WithHWAddr(hw), nclient4.WithTimeout(2*time.Second), nclient4.WithRetry(3))
		return err
	}))
	defer c.Close()
	var mu sync.Mutex
	var offers []*dhcpv4.DHCPv4
	// Collect every OFFER to one DISCOVER (the matcher never stops early).
	_, _ = c.SendAndRead(t.Context(), nclient4.DefaultServers, discover(t, hw, uefiPXE...), func(m *dhcpv4.DHCPv4) bool {
		mu.Lock()
		defer mu.Unlock()
		offers = append(offers, m)
		return len(offers) >= 2
	})
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, offers, 2, "dnsmasq: %s", dnsmasq.Output())
	var address, boot *dhcpv4.DHCPv4
	for _, o := range offers {
		switch o.ServerIdentifier().String() {
		case "198.18.2.1":
			address = o
		case "198.18.2.2":
			boot = o
		}
	}
	require.NotNil(t, address, "dnsmasq offers an address")
	require.NotNil(t, boot, "slipway offers boot information")
	assert.True(t, boot.YourIPAddr.IsUnspecified(), "a proxy hands out no address")
	assert.Equal(t, "snponly.efi", boot.BootFileName)
	assert.Equal(t, "PXEClient", boot.ClassIdentifier())
	assert.Equal(t, "198.18.2.2", boot.ServerIPAddr.String())

	// Boot server discovery: REQUEST to 4011 from the address dnsmasq gave.
	ip := address.YourIPAddr.String()
	_, err := client.Run(t.Context(), "ip", "addr", "add", ip+"/24", "dev", "eth0")
	require.NoError(t, err)
	var c4011 net.PacketConn
	require.NoError(t, client.Do(func() (err error) { c4011, err = net.ListenPacket("udp4", ip+":4011"); return err }))
	defer c4011.Close()
	req := request(t, hw, "", "", append(uefiPXE, dhcpv4.WithClientIP(address.YourIPAddr))...)
	_, err = c4011.WriteTo(req.ToBytes(), &net.UDPAddr{IP: net.ParseIP("198.18.2.2"), Port: PXEPort})
	require.NoError(t, err)
	acks := readReplies(t, c4011, 3*time.Second)
	require.Len(t, acks, 1)
	assert.Equal(t, dhcpv4.MessageTypeAck, acks[0].MessageType())
	assert.Equal(t, "snponly.efi", acks[0].BootFileName)
}

// readReplies reads DHCP replies until d passes.
func readReplies(t *testing.T, conn net.PacketConn, d time.Duration) []*dhcpv4.DHCPv4 {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(d)))
	var out []*dhcpv4.DHCPv4
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
			return out
		}
		if m, err := dhcpv4.FromBytes(buf[:n]); err == nil && m.OpCode == dhcpv4.OpcodeBootReply {
			out = append(out, m)
		}
	}
}
