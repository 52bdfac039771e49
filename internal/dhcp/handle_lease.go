package dhcp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/machine"
	"github.com/slipway-dev/slipway/internal/store"
)

// lease runs the DHCP exchange on the address the previous steps chose:
// DISCOVER → OFFER, REQUEST → ACK (bound, durable before it leaves) or NAK,
// DECLINE → quarantine, RELEASE → released, INFORM → ACK without a lease.
// Proxy networks hand out no address (proxyLease).
func (e *engine) lease(p *Packet) verdict {
	if p.Net.Mode == inventory.ModeProxy {
		return e.proxyLease(p)
	}
	switch p.Type {
	case dhcpv4.MessageTypeDiscover:
		return e.offer(p)
	case dhcpv4.MessageTypeRequest:
		return e.request(p)
	case dhcpv4.MessageTypeDecline:
		return e.decline(p)
	case dhcpv4.MessageTypeRelease:
		return e.release(p)
	}
	p.Addr = netip.Addr{} // INFORM: the client has its address already
	return e.respond(p, dhcpv4.MessageTypeAck)
}

// offer holds a reserved address for its machine (pool addresses were taken
// by the discovery step) and answers OFFER.
func (e *engine) offer(p *Packet) verdict {
	if !p.Addr.IsValid() {
		return p.dropped("no-address")
	}
	if p.Reservation != nil {
		now := e.now()
		t := e.leases
		t.mu.Lock()
		ok := t.free(e.view.Load(), p.Net, p.Addr, p.MAC, now)
		if l := t.get(p.Net.Name, p.Addr); ok && (l == nil || l.mac != p.MAC || !l.active(now)) {
			t.put(lease{network: p.Net.Name, ip: p.Addr, mac: p.MAC, hostname: p.Hostname, clientID: p.Client.ClientID,
				state: store.LeaseOffered, expires: now.Add(e.cfg.OfferTimeout)})
		}
		t.mu.Unlock()
		if !ok {
			e.log.Warn("dhcp: reserved address held by another client or quarantined", "machine", p.Machine,
				"ip", p.Addr, "network", p.Net.Name)
			return p.dropped("reserved-in-use")
		}
	}
	if p.Machine != "" {
		e.async(write{events: []store.Event{p.event("offer", fmt.Sprintf("offered %s on network %s", p.Addr, p.Net.Name))}})
	}
	return e.respond(p, dhcpv4.MessageTypeOffer)
}

// request binds the requested address when it is the client's to have.
func (e *engine) request(p *Packet) verdict {
	if sid := fromIP(p.Req.ServerIdentifier()); sid.IsValid() && sid != p.Server {
		e.forgetOffer(p)
		return p.dropped("other-server")
	}
	want := requestedAddr(p.Req)
	switch {
	case !want.IsValid() || !p.Net.Subnet.Contains(want) || want != p.Addr:
		return e.nak(p, fmt.Sprintf("requested %s, not this client's address on network %s", addrString(want), p.Net.Name))
	case p.Reservation == nil && !assignable(p.Net, want, p.Server):
		return e.nak(p, fmt.Sprintf("%s is not in the discovery pool of network %s", want, p.Net.Name))
	}
	now := e.now()
	l := lease{network: p.Net.Name, ip: want, mac: p.MAC, hostname: p.Hostname, clientID: p.Client.ClientID,
		state: store.LeaseBound, expires: now.Add(e.leaseTime(p.Net))}
	t := e.leases
	t.mu.Lock()
	ok := t.free(e.view.Load(), p.Net, want, p.MAC, now)
	if ok {
		t.put(l)
	}
	t.mu.Unlock()
	if !ok {
		return e.nak(p, fmt.Sprintf("%s is held by another client or quarantined", want))
	}
	p.Gate = true
	p.Write.leases = append(p.Write.leases, l.record())
	if p.Machine != "" {
		p.Write.events = append(p.Write.events, p.event("ack", fmt.Sprintf("bound %s on network %s", want, p.Net.Name)))
	} else if p.Client.boots() {
		p.Write.discovered = append(p.Write.discovered, e.discovered(p))
	}
	return e.respond(p, dhcpv4.MessageTypeAck)
}

func (e *engine) leaseTime(n *Network) time.Duration {
	if n.LeaseTime > 0 {
		return n.LeaseTime
	}
	return e.cfg.LeaseTime
}

// discovered describes the machine an unknown booting MAC becomes.
func (e *engine) discovered(p *Packet) discovery {
	m := store.Machine{Name: discoveredName(p.MAC), MAC: p.MAC, Arch: p.Client.archName(), UUID: p.Client.UUID}
	msg := fmt.Sprintf("booted unannounced on network %s (address %s, arch %s, firmware %s, vendor class %q)",
		p.Net.Name, p.Addr, m.Arch, p.Client.firmware(), p.Client.VendorClass)
	return discovery{machine: m, message: msg, event: p.event("ack", fmt.Sprintf("bound %s on network %s", p.Addr, p.Net.Name))}
}

// forgetOffer frees the address offered to a client that chose another server.
func (e *engine) forgetOffer(p *Packet) {
	t := e.leases
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.ofMAC(p.Net.Name, p.MAC); l != nil && l.state == store.LeaseOffered {
		l.expires = time.Time{}
	}
}

func (e *engine) nak(p *Packet, why string) verdict {
	p.Addr = netip.Addr{}
	e.log.Debug("dhcp: nak", "mac", p.MAC, "network", p.Net.Name, "reason", why)
	if p.Machine != "" {
		e.async(write{events: []store.Event{p.event("nak", why)}})
	}
	v := e.respond(p, dhcpv4.MessageTypeNak)
	if p.Reply != nil {
		p.Reply.UpdateOption(dhcpv4.OptMessage(why))
	}
	return v
}

// decline quarantines an address the client found in use by someone else.
func (e *engine) decline(p *Packet) verdict {
	ip := fromIP(p.Req.RequestedIPAddress())
	now := e.now()
	t := e.leases
	t.mu.Lock()
	l := t.get(p.Net.Name, ip)
	owned := l != nil && l.mac == p.MAC || p.Reservation != nil && p.Reservation.IP == ip
	var rec store.Lease
	if owned {
		d := t.put(lease{network: p.Net.Name, ip: ip, mac: p.MAC, state: store.LeaseDeclined, expires: now.Add(e.cfg.Quarantine)})
		rec = d.record()
	}
	t.mu.Unlock()
	if !owned {
		return p.dropped("decline-not-owner")
	}
	p.Addr = ip
	msg := fmt.Sprintf("%s reported %s in use by another host; quarantined for %s", p.MAC, ip, e.cfg.Quarantine)
	e.log.Warn("dhcp: address declined", "mac", p.MAC, "ip", ip, "network", p.Net.Name)
	p.Write.leases = append(p.Write.leases, rec)
	p.Write.events = append(p.Write.events, p.event("decline", msg))
	return stop
}

// release ends the client's binding of ciaddr.
func (e *engine) release(p *Packet) verdict {
	ip := fromIP(p.Req.ClientIPAddr)
	t := e.leases
	t.mu.Lock()
	l := t.get(p.Net.Name, ip)
	ok := l != nil && l.mac == p.MAC && l.state == store.LeaseBound
	var rec store.Lease
	if ok {
		l.state, l.expires = store.LeaseReleased, e.now()
		rec = l.record()
	}
	t.mu.Unlock()
	if !ok {
		return p.dropped("release-not-owner")
	}
	p.Write.leases = append(p.Write.leases, rec)
	return stop
}

// proxyLease answers PXE clients beside another DHCP server: an OFFER
// without an address on port 67, an ACK to requests on 4011 (or to us on 67).
func (e *engine) proxyLease(p *Packet) verdict {
	switch {
	case p.Type == dhcpv4.MessageTypeDiscover && p.In.Port == ServerPort:
		return e.respond(p, dhcpv4.MessageTypeOffer)
	case p.Type == dhcpv4.MessageTypeRequest && (p.In.Port == PXEPort || fromIP(p.Req.ServerIdentifier()) == p.Server),
		p.Type == dhcpv4.MessageTypeInform && p.In.Port == PXEPort:
		return e.respond(p, dhcpv4.MessageTypeAck)
	}
	return p.dropped("proxy-ignored")
}

// respond starts the reply: message type and server identifier.
func (e *engine) respond(p *Packet, t dhcpv4.MessageType) verdict {
	r, err := dhcpv4.NewReplyFromRequest(p.Req, dhcpv4.WithMessageType(t),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(toIP(p.Server))))
	if err != nil {
		return p.dropped("internal")
	}
	p.Reply = r
	return next
}

// machineCause is the cause recorded on a discovered machine.
func machineCause(msg string) machine.Cause {
	return machine.Cause{Reason: "dhcp", Message: msg, Actor: "system"}
}
