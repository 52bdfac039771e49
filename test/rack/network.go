package rack

import (
	"fmt"
	"os/exec"
	"strings"

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

// advertiseRouter sends IPv6 router advertisements on the bridge until
// Close (netns.Host.AdvertiseRouter).
func (r *Rack) advertiseRouter() error {
	stop, err := r.NS.AdvertiseRouter(Bridge)
	if err != nil {
		return fmt.Errorf("rack: %w", err)
	}
	r.defer_(stop)
	return nil
}

// forward listens on listen on the host and connects each connection to
// target inside the namespace until Close (netns.Host.Forward).
func (r *Rack) forward(listen, target string) (string, error) {
	addr, stop, err := r.NS.Forward(listen, target)
	if err != nil {
		return "", fmt.Errorf("rack: forward the API: %w", err)
	}
	r.defer_(stop)
	return addr, nil
}
