package rack

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/slipway-dev/slipway/test/netns"
)

// ip runs the ip command and names it in the error.
func ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// buildNetwork creates the namespace with lo up, IPv6 off except on the
// bridge (which sends router advertisements: iPXE otherwise waits ~13 s
// for IPv6 autoconfiguration), and the bridge with the appliance address.
func (r *Rack) buildNetwork() error {
	ns := r.cfg.Namespace
	if err := ip("netns", "add", ns); err != nil {
		return err
	}
	r.defer_(func() { _ = ip("netns", "del", ns) })
	r.NS = &netns.Host{Name: "rack", NS: ns}
	steps := [][]string{
		{"-n", ns, "link", "set", "lo", "up"},
		{"netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"},
		{"-n", ns, "link", "add", Bridge, "type", "bridge"},
		{"netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + Bridge + ".accept_dad=0",
			"net.ipv6.conf." + Bridge + ".disable_ipv6=0"},
		{"-n", ns, "addr", "add", Addr + "/24", "dev", Bridge},
		{"-n", ns, "link", "set", Bridge, "up"},
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return err
		}
	}
	return r.advertiseRouter()
}

// addTap creates the machine's tap on the bridge.
func (r *Rack) addTap(m Machine) error {
	ns := r.cfg.Namespace
	for _, s := range [][]string{
		{"-n", ns, "tuntap", "add", "dev", m.Tap(), "mode", "tap"},
		{"-n", ns, "link", "set", m.Tap(), "master", Bridge},
		{"-n", ns, "link", "set", m.Tap(), "up"},
	} {
		if err := ip(s...); err != nil {
			return fmt.Errorf("machine %s: %w", m.Name, err)
		}
	}
	return nil
}

// advertiseRouter sends an IPv6 router advertisement (no prefix, no M/O
// flags, router lifetime 0) on the bridge every half second until Close.
func (r *Rack) advertiseRouter() error {
	var conn net.PacketConn
	err := r.NS.Do(func() (err error) {
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
		return fmt.Errorf("rack: router advertisements: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.defer_(func() { cancel(); _ = conn.Close(); <-done })
	go func() {
		defer close(done)
		ra := []byte{134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		dst := &net.IPAddr{IP: net.ParseIP("ff02::1"), Zone: Bridge}
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			_, _ = conn.WriteTo(ra, dst) // no link-local address yet: the next tick retries
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}
