package dhcp

import (
	"fmt"
	"net/netip"

	"github.com/insomniacslk/dhcp/dhcpv4"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// discovery serves clients without a reservation from the network's pool,
// when the network has discovery on; otherwise it denies them (logged, and
// recorded as a dhcp.denied event at most once per MAC per DeniedEvery).
// A DISCOVER takes a pool address (held as an offer) within the per-MAC rate
// limit; a REQUEST names the address it wants, which the lease step checks.
func (e *engine) discovery(p *Packet) verdict {
	if p.Net.Mode == inventory.ModeProxy || p.Reservation != nil {
		return next
	}
	switch p.Type {
	case dhcpv4.MessageTypeDiscover, dhcpv4.MessageTypeRequest:
	default:
		return next // decline, release, inform: the lease step checks ownership
	}
	if !p.Net.hasPool() {
		e.deny(p)
		return p.dropped("denied")
	}
	if p.Machine == "" && p.Client.boots() {
		p.Hostname = discoveredName(p.MAC)
	}
	if p.Type == dhcpv4.MessageTypeRequest {
		p.Addr = requestedAddr(p.Req)
		return next
	}
	now := e.now()
	if !e.discoveryLimit.allow(p.MAC, now) {
		return p.dropped("rate-limited")
	}
	t := e.leases
	t.mu.Lock()
	ip, ok := t.allocate(e.view.Load(), p.Net, p.MAC, requestedAddr(p.Req), p.Server, now)
	if ok {
		t.put(lease{network: p.Net.Name, ip: ip, mac: p.MAC, hostname: p.Hostname, clientID: p.Client.ClientID,
			state: store.LeaseOffered, expires: now.Add(e.cfg.OfferTimeout)})
	}
	t.mu.Unlock()
	if !ok {
		e.checkPool(p.Net)
		return p.dropped("pool-exhausted")
	}
	p.Addr = ip
	return next
}

// deny logs and records why a client gets no address.
func (e *engine) deny(p *Packet) {
	msg := fmt.Sprintf("%s is not in the inventory and network %s has discovery off", p.MAC, p.Net.Name)
	if p.Machine != "" {
		msg = fmt.Sprintf("%s (machine %s) has no address on network %s and its discovery is off", p.MAC, p.Machine, p.Net.Name)
	}
	if !e.deniedLimit.allow(p.MAC, e.now()) {
		return
	}
	e.log.Info("dhcp: boot denied", "mac", p.MAC, "network", p.Net.Name, "reason", msg)
	ev := p.event("denied", msg)
	ev.Machine, ev.Reason = "", "unknown-mac"
	e.async(write{events: []store.Event{ev}})
}

// requestedAddr is option 50, else ciaddr (renewing clients).
func requestedAddr(r *dhcpv4.DHCPv4) netip.Addr {
	if a := fromIP(r.RequestedIPAddress()); a.IsValid() {
		return a
	}
	return fromIP(r.ClientIPAddr)
}

// discoveredName names a machine discovered by its MAC: disc-525400770010.
func discoveredName(mac string) string {
	b := make([]byte, 0, 17)
	b = append(b, "disc-"...)
	for i := 0; i < len(mac); i++ {
		if mac[i] != ':' {
			b = append(b, mac[i])
		}
	}
	return string(b)
}

// checkPool raises a dhcp.pool event when n's pool is more than 90 % used,
// once until usage falls below 80 %.
func (e *engine) checkPool(n *Network) {
	if !n.hasPool() {
		return
	}
	e.leases.mu.Lock()
	used, size := e.leases.usage(n, e.now())
	e.leases.mu.Unlock()
	e.poolMu.Lock()
	defer e.poolMu.Unlock()
	switch {
	case used*10 > size*9 && !e.poolAlarm[n.Name]:
		e.poolAlarm[n.Name] = true
		msg := fmt.Sprintf("network %s: discovery pool %d%% used (%d of %d addresses)", n.Name, used*100/size, used, size)
		e.log.Warn("dhcp: discovery pool nearly exhausted", "network", n.Name, "used", used, "size", size)
		e.async(write{events: []store.Event{{Type: "dhcp.pool", Reason: "nearly-exhausted", Message: msg, Actor: "system"}}})
	case used*10 < size*8:
		delete(e.poolAlarm, n.Name)
	}
}
