package netns

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// AdvertiseRouter sends an IPv6 router advertisement (no prefixes, no
// managed/other flags, router lifetime 0) on iface inside the host's
// namespace every half second until stop is called. iPXE otherwise spends
// ~13 s of every boot waiting for IPv6 autoconfiguration
// (../../shared/notes/lab.md); an RA without M/O flags ends that wait at
// once. The caller enables IPv6 on iface (a Lab turns it off everywhere).
func (h *Host) AdvertiseRouter(iface string) (stop func(), err error) {
	var (
		conn net.PacketConn
		ifi  *net.Interface
	)
	err = h.Do(func() (err error) {
		// The zone is resolved here: a name means another interface (or
		// none) in the test process's namespace.
		if ifi, err = net.InterfaceByName(iface); err != nil {
			return err
		}
		conn, err = net.ListenPacket("ip6:ipv6-icmp", "::")
		if err != nil {
			return err
		}
		return hopLimit255(conn)
	})
	if err != nil {
		if conn != nil {
			_ = conn.Close()
		}
		return nil, fmt.Errorf("netns %s: router advertisements on %s: %w", h.NS, iface, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		advertise(ctx, conn, strconv.Itoa(ifi.Index))
	}()
	return func() { cancel(); _ = conn.Close(); <-done }, nil
}

// hopLimit255 sets the multicast hop limit RAs must arrive with (RFC 4861
// §6.1.2).
func hopLimit255(conn net.PacketConn) error {
	raw, err := conn.(*net.IPConn).SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255)
	})
	if err == nil {
		err = serr
	}
	return err
}

// advertise sends on the interface whose index is zone.
func advertise(ctx context.Context, conn net.PacketConn, zone string) {
	// ICMPv6 type 134, code 0, checksum (the kernel fills it in), current
	// hop limit 64, flags 0, router lifetime 0, reachable 0, retransmit 0.
	ra := []byte{134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	dst := &net.IPAddr{IP: net.ParseIP("ff02::1"), Zone: zone}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		// An error (no link-local address yet) is retried on the next tick.
		_, _ = conn.WriteTo(ra, dst)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
