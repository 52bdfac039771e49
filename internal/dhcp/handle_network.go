package dhcp

import (
	"net/netip"

	"github.com/slipway-dev/slipway/internal/inventory"
)

// selectNetwork finds the network a request belongs to: by its relay agent
// (giaddr) when relayed, else by the interface it arrived on. It also picks
// our address on that network and names the machine when its MAC is known.
func (e *engine) selectNetwork(p *Packet) verdict {
	v := e.view.Load()
	if giaddr := fromIP(p.Req.GatewayIPAddr); giaddr.IsValid() {
		p.Net = v.byRelay(giaddr)
		if p.Net == nil {
			return p.dropped("unknown-relay")
		}
	} else {
		p.Net = v.onInterface(p.In.Iface, fromIP(p.Req.ClientIPAddr))
		if p.Net == nil {
			return p.dropped("no-network")
		}
	}
	if p.In.Port == PXEPort && p.Net.Mode != inventory.ModeProxy {
		return p.dropped("no-network")
	}
	if p.Net.Mode == inventory.ModeProxy && !p.Client.boots() {
		return p.dropped("proxy-not-pxe")
	}
	p.Server = serverAddr(e.addrs(p.In.Iface), p.Net)
	if !p.Server.IsValid() {
		return p.dropped("no-server-address")
	}
	p.Machine = v.machines[p.MAC]
	return next
}

// byRelay returns the network of a relay agent: the one listing it, else a
// full or relay network whose subnet holds it.
func (v *inventoryView) byRelay(giaddr netip.Addr) *Network {
	if n := v.byAgent[giaddr]; n != nil {
		return n
	}
	for _, n := range v.networks {
		if n.Mode != inventory.ModeProxy && n.Subnet.Contains(giaddr) {
			return n
		}
	}
	return nil
}

// onInterface returns the full or proxy network on iface (the one holding
// ciaddr when the interface carries several).
func (v *inventoryView) onInterface(iface string, ciaddr netip.Addr) *Network {
	var first *Network
	for _, n := range v.byIface[iface] {
		if n.Mode == inventory.ModeRelay {
			continue
		}
		if ciaddr.IsValid() && n.Subnet.Contains(ciaddr) {
			return n
		}
		if first == nil {
			first = n
		}
	}
	return first
}

// serverAddr picks our address for n among the interface's: one inside the
// subnet, else (relayed networks) the first.
func serverAddr(addrs []netip.Prefix, n *Network) netip.Addr {
	for _, a := range addrs {
		if n.Subnet.Contains(a.Addr()) {
			return a.Addr()
		}
	}
	if len(addrs) > 0 && n.Mode != inventory.ModeProxy {
		return addrs[0].Addr()
	}
	return netip.Addr{}
}
