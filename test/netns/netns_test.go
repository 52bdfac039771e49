package netns_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/netns"
)

func TestLab(t *testing.T) {
	lab := netns.New(t)
	lan := lab.Bridge("lan")
	a, b := lab.Host("a"), lab.Host("b")
	a.Link(lan, "eth0", "198.18.0.1/24", "52:54:00:aa:00:01")
	b.Link(lan, "eth0", "198.18.0.2/24", "")
	out, err := b.Run(t.Context(), "busybox", "ping", "-c", "1", "-W", "2", "198.18.0.1")
	require.NoError(t, err, out)

	var conn net.PacketConn
	require.NoError(t, a.Do(func() (err error) {
		conn, err = net.ListenPacket("udp4", "198.18.0.1:9999")
		return err
	}))
	defer conn.Close()
	p := b.Start(t, "bash", "-c", "echo hello > /dev/udp/198.18.0.1/9999")
	buf := make([]byte, 64)
	n, _, err := conn.ReadFrom(buf)
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "hello")
	<-p.Exited()
}
