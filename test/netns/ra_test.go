package netns_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/netns"
)

// TestAdvertiseRouter receives the router advertisement one host sends on
// a shared bridge in another host, with the hop limit RFC 4861 requires.
func TestAdvertiseRouter(t *testing.T) {
	lab := netns.New(t)
	lan := lab.Bridge("lan")
	router, client := lab.Host("router"), lab.Host("client")
	for _, h := range []*netns.Host{router, client} {
		h.Link(lan, "eth0", "", "")
		out, err := h.Run(t.Context(), "sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=0",
			"net.ipv6.conf.eth0.disable_ipv6=0")
		require.NoError(t, err, out)
	}
	var conn *net.IPConn
	require.NoError(t, client.Do(func() error {
		c, err := net.ListenPacket("ip6:ipv6-icmp", "::")
		if err == nil {
			conn = c.(*net.IPConn)
		}
		return err
	}))
	t.Cleanup(func() { _ = conn.Close() })

	stop, err := router.AdvertiseRouter("eth0")
	require.NoError(t, err)
	t.Cleanup(stop)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		require.NoError(t, err, "no router advertisement within 10 s")
		if n < 16 || buf[0] != 134 {
			continue // router solicitations, neighbour discovery
		}
		ip := from.(*net.IPAddr).IP
		assert.True(t, ip.IsLinkLocalUnicast(), "from %s", ip)
		assert.Equal(t, byte(64), buf[4], "current hop limit")
		assert.Equal(t, []byte{0, 0}, buf[6:8], "router lifetime 0")
		return
	}
}
