package dhcp

import (
	"net"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/slipway-dev/slipway/internal/inventory"
)

// reply completes the answer: the address and the network's options (full
// and relay modes), then where it goes (RFC 2131 section 4.1).
func (e *engine) reply(p *Packet) verdict {
	r := p.Reply
	if r == nil {
		return stop
	}
	t := r.MessageType()
	if t != dhcpv4.MessageTypeNak && p.Net.Mode != inventory.ModeProxy {
		e.networkOptions(p, t)
	}
	p.Dst = destination(p, t)
	if t == dhcpv4.MessageTypeNak && fromIP(p.Req.GatewayIPAddr).IsValid() {
		r.SetBroadcast()
	}
	return stop
}

// networkOptions sets yiaddr and options 1, 3, 6, 15, 12, 42, and for a
// lease 51, 58 and 59.
func (e *engine) networkOptions(p *Packet, t dhcpv4.MessageType) {
	r, n := p.Reply, p.Net
	r.UpdateOption(dhcpv4.OptSubnetMask(n.mask()))
	if n.Gateway.IsValid() {
		r.UpdateOption(dhcpv4.OptRouter(toIP(n.Gateway)))
	}
	if len(n.DNS) > 0 {
		r.UpdateOption(dhcpv4.OptDNS(toIPs(n.DNS)...))
	}
	if n.Domain != "" {
		r.UpdateOption(dhcpv4.OptDomainName(n.Domain))
	}
	if len(n.NTP) > 0 {
		r.UpdateOption(dhcpv4.OptNTPServers(toIPs(n.NTP)...))
	}
	if p.Hostname != "" {
		r.UpdateOption(dhcpv4.OptHostName(p.Hostname))
	}
	if p.Type == dhcpv4.MessageTypeInform || !p.Addr.IsValid() {
		return
	}
	r.YourIPAddr = toIP(p.Addr)
	lt := e.leaseTime(n)
	r.UpdateOption(dhcpv4.OptIPAddressLeaseTime(lt))
	r.UpdateOption(dhcpv4.OptRenewTimeValue(lt / 2))
	r.UpdateOption(dhcpv4.OptRebindingTimeValue(lt * 7 / 8))
}

// broadcastAddr is where replies to unconfigured clients go.
var broadcastAddr = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// destination routes a reply: to the relay agent (port 67) when relayed; to
// the sender for port 4011 and for senders not on the client port (test
// clients); NAKs broadcast; to ciaddr when the client has an address; else
// broadcast (a server without raw sockets cannot unicast to an address the
// client does not have yet).
func destination(p *Packet, t dhcpv4.MessageType) *net.UDPAddr {
	peer := p.In.Peer
	switch giaddr := fromIP(p.Req.GatewayIPAddr); {
	case giaddr.IsValid():
		return &net.UDPAddr{IP: toIP(giaddr), Port: ServerPort}
	case p.In.Port == PXEPort || peer != nil && peer.Port != ClientPort && peer.Port != ServerPort:
		return peer
	case t == dhcpv4.MessageTypeNak:
		return &net.UDPAddr{IP: toIP(broadcastAddr), Port: ClientPort}
	}
	if ciaddr := fromIP(p.Req.ClientIPAddr); ciaddr.IsValid() {
		return &net.UDPAddr{IP: toIP(ciaddr), Port: ClientPort}
	}
	return &net.UDPAddr{IP: toIP(broadcastAddr), Port: ClientPort}
}
