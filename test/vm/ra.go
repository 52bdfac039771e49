package vm

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slipway-dev/slipway/test/netns"
)

// AdvertiseRouter sends an IPv6 router advertisement (no prefixes, no
// managed/other flags, router lifetime 0) on iface every half second until
// t ends. iPXE otherwise spends ~13 s of every boot waiting for IPv6
// autoconfiguration (../../shared/notes/lab.md); an RA without M/O flags
// ends that wait at once. IPv6 is enabled on iface only (netns turns it off
// everywhere), without duplicate address detection.
func AdvertiseRouter(t testing.TB, host *netns.Host, iface string) {
	t.Helper()
	for _, kv := range []string{
		"net.ipv6.conf." + iface + ".accept_dad=0",
		"net.ipv6.conf." + iface + ".disable_ipv6=0",
	} {
		if out, err := host.Run(t.Context(), "sysctl", "-qw", kv); err != nil {
			t.Fatalf("router advertisements: %v\n%s", err, out)
		}
	}
	var conn net.PacketConn
	err := host.Do(func() (err error) {
		conn, err = net.ListenPacket("ip6:ipv6-icmp", "::")
		if err != nil {
			return err
		}
		raw, err := conn.(*net.IPConn).SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		err = raw.Control(func(fd uintptr) {
			// RAs must arrive with hop limit 255 (RFC 4861 §6.1.2).
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255)
		})
		if err == nil {
			err = serr
		}
		return err
	})
	if err != nil {
		t.Fatalf("router advertisements: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); _ = conn.Close(); <-done })
	go func() {
		defer close(done)
		advertise(ctx, conn, iface)
	}()
}

func advertise(ctx context.Context, conn net.PacketConn, iface string) {
	// ICMPv6 type 134, code 0, checksum (the kernel fills it in), current
	// hop limit 64, flags 0, router lifetime 0, reachable 0, retransmit 0.
	ra := []byte{134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	dst := &net.IPAddr{IP: net.ParseIP("ff02::1"), Zone: iface}
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
