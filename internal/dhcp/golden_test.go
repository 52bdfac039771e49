package dhcp

import (
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestReplyGolden pins the whole reply (header fields and every option) for
// each kind of client, in the modes it meets them.
func TestReplyGolden(t *testing.T) {
	relayPeer := &net.UDPAddr{IP: net.ParseIP("198.18.3.1"), Port: ServerPort}
	client := &net.UDPAddr{IP: net.IPv4zero, Port: ClientPort}
	cases := []struct {
		name  string
		req   func(t *testing.T) *dhcpv4.DHCPv4
		iface string
		port  int
		peer  *net.UDPAddr
	}{
		{"bios-pxe-offer", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), biosPXE...) }, "eth0", ServerPort, client},
		{"uefi-pxe-offer", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), uefiPXE...) }, "eth0", ServerPort, client},
		{"uefi-http-offer", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(1), uefiHTTP...) }, "eth0", ServerPort, client},
		{"ipxe-ack", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(1), "198.18.0.10", "198.18.0.2", ipxe...) }, "eth0", ServerPort, client},
		{"plain-pool-ack", func(t *testing.T) *dhcpv4.DHCPv4 { return request(t, mac(0x10), "198.18.0.100", "198.18.0.2") }, "eth0", ServerPort, client},
		{"relay-offer", func(t *testing.T) *dhcpv4.DHCPv4 {
			return discover(t, mac(3), append(uefiPXE, relayed("198.18.3.1"))...)
		}, "eth0", ServerPort, relayPeer},
		{"relay-nak", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(3), "198.18.3.99", "", relayed("198.18.3.1"))
		}, "eth0", ServerPort, relayPeer},
		{"proxy-offer", func(t *testing.T) *dhcpv4.DHCPv4 { return discover(t, mac(0x30), biosPXE...) }, "eth2", ServerPort, client},
		{"proxy-4011-ack", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(0x30), "", "", append(uefiPXE, dhcpv4.WithClientIP(net.ParseIP("198.18.2.50")))...)
		}, "eth2", PXEPort, &net.UDPAddr{IP: net.ParseIP("198.18.2.50"), Port: PXEPort}},
		{"inform-ack", func(t *testing.T) *dhcpv4.DHCPv4 {
			return request(t, mac(1), "", "", dhcpv4.WithMessageType(dhcpv4.MessageTypeInform), dhcpv4.WithClientIP(net.ParseIP("198.18.0.10")))
		}, "eth0", ServerPort, client},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			te := newTestEngine(t, Config{})
			p := te.handleFrom(c.req(t), c.iface, c.port, c.peer)
			require.Empty(t, p.Drop)
			require.NotNil(t, p.Reply)
			got := "to " + p.Dst.String() + "\n" + p.Reply.Summary()
			path := filepath.Join("testdata", "golden", c.name+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}
