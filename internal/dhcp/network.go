package dhcp

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// Network is a Network object as the server uses it: parsed addresses.
type Network struct {
	Name      string
	Mode      inventory.NetworkMode
	Interface string
	Subnet    netip.Prefix
	Gateway   netip.Addr
	DNS       []netip.Addr
	NTP       []netip.Addr
	Domain    string
	// RangeStart and RangeEnd bound the discovery pool (invalid when the
	// network has no range).
	RangeStart, RangeEnd netip.Addr
	Discovery            bool
	RelayAgents          []netip.Addr
	// LeaseTime is the network's own lease time (0: the server default).
	LeaseTime time.Duration
}

// parseNetwork turns a stored Network object into a Network.
func parseNetwork(o store.Object) (*Network, error) {
	var s inventory.NetworkSpec
	if err := json.Unmarshal(o.Spec, &s); err != nil {
		return nil, fmt.Errorf("network %s: %w", o.Name, err)
	}
	n := &Network{Name: o.Name, Mode: s.Mode, Interface: s.Interface, Domain: s.Domain, Discovery: s.Discovery}
	if n.Mode == "" {
		n.Mode = inventory.ModeFull
	}
	var err error
	if n.Subnet, err = netip.ParsePrefix(s.Subnet); err != nil || !n.Subnet.Addr().Is4() {
		return nil, fmt.Errorf("network %s: subnet %q is not an IPv4 CIDR", o.Name, s.Subnet)
	}
	n.Subnet = n.Subnet.Masked()
	if s.Gateway != "" {
		if n.Gateway, err = parseAddr("gateway", s.Gateway); err != nil {
			return nil, fmt.Errorf("network %s: %w", o.Name, err)
		}
	}
	if n.DNS, err = parseAddrs("dns", s.DNS); err == nil {
		n.NTP, err = parseAddrs("ntp", s.NTP)
	}
	if err == nil {
		n.RelayAgents, err = parseAddrs("relayAgents", s.RelayAgents)
	}
	if err == nil && s.Range != nil {
		n.RangeStart, err = parseAddr("range.start", s.Range.Start)
		if err == nil {
			n.RangeEnd, err = parseAddr("range.end", s.Range.End)
		}
	}
	if err == nil && s.LeaseTime != "" {
		n.LeaseTime, err = time.ParseDuration(s.LeaseTime)
	}
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", o.Name, err)
	}
	return n, nil
}

func parseAddr(field, s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%s: %q is not an IPv4 address", field, s)
	}
	return a, nil
}

func parseAddrs(field string, ss []string) ([]netip.Addr, error) {
	out := make([]netip.Addr, 0, len(ss))
	for _, s := range ss {
		a, err := parseAddr(field, s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// hasPool reports whether the network hands out discovery addresses.
func (n *Network) hasPool() bool {
	return n.Discovery && n.RangeStart.IsValid() && n.RangeEnd.IsValid() && n.Mode != inventory.ModeProxy
}

// inPool reports whether a is inside the discovery range.
func (n *Network) inPool(a netip.Addr) bool {
	return n.RangeStart.IsValid() && a.Compare(n.RangeStart) >= 0 && a.Compare(n.RangeEnd) <= 0
}

// poolSize is the number of addresses in the range.
func (n *Network) poolSize() int {
	if !n.RangeStart.IsValid() {
		return 0
	}
	return int(ipv4ToUint(n.RangeEnd)-ipv4ToUint(n.RangeStart)) + 1
}

// mask is the subnet mask (option 1).
func (n *Network) mask() net.IPMask { return net.CIDRMask(n.Subnet.Bits(), 32) }

// broadcast is the subnet's broadcast address.
func (n *Network) broadcast() netip.Addr {
	return uintToIPv4(ipv4ToUint(n.Subnet.Addr()) | (1<<(32-n.Subnet.Bits()) - 1))
}

func ipv4ToUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uintToIPv4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// toIP converts a to a 4-byte net.IP for the packet library.
func toIP(a netip.Addr) net.IP {
	if !a.IsValid() {
		return net.IPv4zero.To4()
	}
	b := a.As4()
	return net.IP(b[:])
}

// fromIP converts a packet field to an address (invalid for 0.0.0.0 or nil).
func fromIP(ip net.IP) netip.Addr {
	v4 := ip.To4()
	if v4 == nil {
		return netip.Addr{}
	}
	a := netip.AddrFrom4([4]byte(v4))
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

func toIPs(as []netip.Addr) []net.IP {
	out := make([]net.IP, len(as))
	for i, a := range as {
		out[i] = toIP(a)
	}
	return out
}
